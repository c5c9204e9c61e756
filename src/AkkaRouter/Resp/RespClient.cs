using System.Net;
using Akka.Actor;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp;

/// <summary>
/// One client connection as CLIENT LIST, INFO and the server's watchdog see it.
/// </summary>
/// <remarks>
/// Written only by the connection's own I/O loop (plain fields, no locks on the hot path); other
/// threads read it for introspection, where a slightly stale value is fine.
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

    /// <summary>Name of the last command (a shared literal: recording it allocates nothing).</summary>
    public string LastCommand { get; set; } = "NULL";

    public long CommandsProcessed { get; set; }
    public long LastActivityTicks { get; set; } = Environment.TickCount64;

    /// <summary>When the pending reply write started, or 0 when no write is pending.</summary>
    public long SendStartedTicks { get; set; }
}
