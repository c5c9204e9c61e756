using Akka;
using Akka.Actor;

namespace AkkaRouter.Hosting;

/// <summary>Why this node's actor system shut down, recorded as CoordinatedShutdown starts (the host is disposed by the time the process exits).</summary>
public sealed class NodeTermination
{
    private volatile CoordinatedShutdown.Reason? _reason;

    /// <summary>True when the cluster downed this node (the split-brain resolver, or `cluster down`).</summary>
    public bool Downed => _reason is CoordinatedShutdown.ClusterDowningReason;

    /// <summary>True when the node gave up joining (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes).</summary>
    public bool JoinFailed => _reason is CoordinatedShutdown.ClusterJoinUnsuccessfulReason;

    /// <summary>
    /// True when Akka stopped the node because a TLS handshake with a peer it connected to failed
    /// (akka-router.security.remote-tls: the peer's certificate, or this node's, was refused). Akka's reason type is
    /// internal, so it is recognised by name.
    /// </summary>
    public bool RemoteTlsRefused => _reason?.GetType().Name == "TlsHandshakeFailureReason";

    /// <summary>Registers the recording task in the system's CoordinatedShutdown.</summary>
    internal void Watch(ActorSystem system)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "record-termination-reason", () =>
        {
            _reason = shutdown.ShutdownReason;
            return Task.FromResult(Done.Instance);
        });
    }
}
