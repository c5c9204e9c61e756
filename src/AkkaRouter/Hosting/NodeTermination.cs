using Akka;
using Akka.Actor;
using Akka.Event;

namespace AkkaRouter.Hosting;

/// <summary>Why this node's actor system shut down, recorded as CoordinatedShutdown starts (the host is disposed by the time the process exits).</summary>
public sealed class NodeTermination
{
    private volatile CoordinatedShutdown.Reason? _reason;

    /// <summary>True when the cluster downed this node (the split-brain resolver, or `cluster down`).</summary>
    public bool Downed => _reason is CoordinatedShutdown.ClusterDowningReason;

    /// <summary>True when the node gave up joining (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes).</summary>
    public bool JoinFailed => _reason is CoordinatedShutdown.ClusterJoinUnsuccessfulReason;

    /// <summary>True when a listener failed beyond repair (<see cref="StopForDeadListener"/>).</summary>
    public bool ListenerFailed => _reason is ListenerFailureReason;

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

    /// <summary>
    /// Stops the node because a listener is dead for good: logs <paramref name="line"/> (one line saying which listener
    /// and why) and runs CoordinatedShutdown, so the process leaves the cluster and exits with
    /// <see cref="RouterNode.ListenerFailedExitCode"/>. Does nothing once the node is already stopping.
    /// </summary>
    public static void StopForDeadListener(ActorSystem system, string line)
    {
        var shutdown = CoordinatedShutdown.Get(system);
        if (shutdown.ShutdownReason is not null)
            return;
        system.Log.Error("{ListenerFailure}; stopping the node (exit code {ExitCode})", line, RouterNode.ListenerFailedExitCode);
        shutdown.Run(ListenerFailureReason.Instance);
    }

    /// <summary>True once CoordinatedShutdown has begun, when listeners closing is expected rather than a failure.</summary>
    public static bool Stopping(ActorSystem system) => CoordinatedShutdown.Get(system).ShutdownReason is not null;

    private sealed class ListenerFailureReason : CoordinatedShutdown.Reason
    {
        public static readonly ListenerFailureReason Instance = new();

        public override int ExitCode => RouterNode.ListenerFailedExitCode;

        public override string ToString() => "listener failed";
    }
}
