using System.Reflection;

namespace AkkaRouter.Resp;

/// <summary>What the RESP server reports about itself in HELLO and INFO.</summary>
public sealed class RespServerInfo
{
    /// <summary>The "server" field of HELLO.</summary>
    public const string ServerName = "akkarouter";

    /// <summary>
    /// The Redis version whose protocol and handshake this server follows. Clients read
    /// redis_version (INFO) and version (HELLO) to decide which commands and features to use.
    /// </summary>
    public const string RedisCompatibleVersion = "7.0.0";

    public static string ProductVersion { get; } =
        typeof(RespServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public long StartedTicks { get; } = Environment.TickCount64;

    /// <summary>The port the listener bound (resolved when the configured port is 0).</summary>
    public int Port { get; set; }

    public static int ProcessId { get; } = Environment.ProcessId;

    public TimeSpan Uptime => TimeSpan.FromMilliseconds(Environment.TickCount64 - StartedTicks);
}
