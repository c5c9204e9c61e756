using System.Net;
using Akka.Actor;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp;

/// <summary>
/// One client connection as CLIENT LIST, INFO and the server's watchdog see it.
/// </summary>
/// <remarks>
/// The connection's I/O loop updates it without locks; CLIENT LIST, INFO and the server's watchdog
/// read it from other threads and may see values a few commands old, which is all they need.
/// </remarks>
public sealed class RespClient(long id, EndPoint? remote, EndPoint? local, IActorRef handler)
{
    public long Id { get; } = id;
    public string RemoteAddress { get; } = remote?.ToString() ?? "?";
    public string LocalAddress { get; } = local?.ToString() ?? "?";
    public IActorRef Handler { get; } = handler;
    public long CreatedTicks { get; } = Environment.TickCount64;

    public string Name { get; set; } = "";
    public string LibName { get; set; } = "";
    public string LibVersion { get; set; } = "";
    public long Database { get; set; }
    public RespProtocol Protocol { get; set; } = RespProtocol.Resp2;
    public bool Authenticated { get; set; }

    /// <summary>Index in the command table of the last known command, -1 before the first (an int: no GC write barrier per command).</summary>
    public int LastCommand { get; set; } = -1;

    public long CommandsProcessed { get; set; }
    public long LastActivityTicks { get; set; } = Environment.TickCount64;

    /// <summary>When the pending reply write started, or 0 when no write is pending.</summary>
    public long SendStartedTicks { get; set; }
}
