using Akka;
using Akka.Actor;

namespace AkkaRouter.Hosting;

/// <summary>
/// Whether a node of this process has begun a planned stop (CoordinatedShutdown: Ctrl+C, SIGTERM, a leave). From
/// then on the disassociations a stop causes are expected, and the log leaves them out instead of printing them as
/// errors with stack traces.
/// </summary>
public static class PlannedShutdown
{
    private static int _started;

    public static bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>Marks the stop as planned when <paramref name="system"/>'s CoordinatedShutdown begins.</summary>
    public static void Watch(ActorSystem system) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "planned-shutdown", () =>
        {
            Interlocked.Exchange(ref _started, 1);
            return Task.FromResult(Done.Instance);
        });

    /// <summary>A log event about a remote association closing or failing because a peer (or this node) went away.</summary>
    public static bool IsDisassociation(Serilog.Events.LogEvent e) =>
        e.Exception?.GetType().Name is "EndpointDisassociatedException" or "ShutDownAssociation" or "InvalidAssociationException"
        || (e.Exception?.GetType().Namespace?.StartsWith("Akka.Remote", StringComparison.Ordinal) == true
            && e.MessageTemplate.Text.Contains("ssociat", StringComparison.Ordinal))
        || e.MessageTemplate.Text.StartsWith("Association with remote system", StringComparison.Ordinal);
}
