using AkkaRouter.Ring;
using Serilog.Events;

namespace AkkaRouter.Configuration;

/// <summary>The node's roles in the cluster.</summary>
public static class NodeRoles
{
    public const string Router = "router";
    public const string Backend = "backend";
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { Router, Backend };
}

/// <summary>One TCP listener of the node (RESP, HTTP edge, command palette, management).</summary>
public sealed record ListenerSettings(bool Enabled, string Host, int Port);

/// <summary>The RESP lookup server's listener and limits.</summary>
public sealed record RespServerSettings(
    ListenerSettings Listener,
    string Password,
    int MaxClients,
    int MaxBulkLength,
    int MaxArguments,
    TimeSpan IdleTimeout,
    TimeSpan OutputTimeout);

/// <summary>The service instance a backend node fronts and how it is placed on the ring.</summary>
public sealed record NodeSettings(string ServiceEndpoint, string Id, string Zone, double Weight);

/// <summary>Akka remoting address of this node.</summary>
public sealed record RemoteSettings(string Hostname, int Port, string PublicHostname);

/// <summary>Log output format.</summary>
public enum LogFormat { Text, Json }

/// <summary>Serilog level and format.</summary>
public sealed record LoggingSettings(LogEventLevel Level, LogFormat Format);

/// <summary>Everything the node reads from HOCON, validated: a node never starts half-configured.</summary>
public sealed record RouterSettings(
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> SeedNodes,
    RemoteSettings Remote,
    NodeSettings Node,
    IReadOnlyList<Backend> StaticBackends,
    RespServerSettings Resp,
    ListenerSettings Http,
    ListenerSettings Cmd,
    ListenerSettings Management,
    LoggingSettings Logging)
{
    /// <summary>Keeps a ring replica and serves lookups.</summary>
    public bool IsRouter => Roles.Contains(NodeRoles.Router);

    /// <summary>Puts its service endpoint on the ring.</summary>
    public bool IsBackend => Roles.Contains(NodeRoles.Backend);

    /// <summary>What this node puts on the ring, or null when it is not a backend.</summary>
    public Backend? Advertised => IsBackend
        ? new Backend(Node.Id, Node.ServiceEndpoint, Node.Weight, Node.Zone)
        : null;
}
