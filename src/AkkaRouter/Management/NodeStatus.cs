using Akka.Actor;
using Akka.Cluster;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;

namespace AkkaRouter.Management;

/// <summary>Liveness and readiness of this node, as orchestrators and the Dockerfile's HEALTHCHECK ask.</summary>
public sealed class NodeStatus(ActorSystem system, RouterSettings settings, RingView ring, ListenerRegistry listeners)
{
    /// <summary>
    /// Ready = this node is an Up member of the cluster, every listener accepts (none is rebinding after a failure) and,
    /// on a router, it can answer lookups (ring not empty).
    /// </summary>
    public (bool Ready, string Reason) Readiness()
    {
        if (system.WhenTerminated.IsCompleted)
            return (false, "actor system terminated");
        var cluster = Cluster.Get(system);
        var self = cluster.SelfMember;
        if (self.Status != MemberStatus.Up)
            return (false, $"member status is {self.Status}, not Up");
        if (CoordinatedShutdown.Get(system).ShutdownReason is not null)
            return (false, "shutting down");
        if (listeners.Down.Count > 0)
            return (false, string.Join("; ", listeners.Down.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Value)));
        if (settings.IsRouter && !ring.Services.Any(s => s.Current.HasOwners))
            return (false, "ring has no backends");
        return (true, "ready");
    }

    /// <summary>Live = the actor system is running (a terminated node should be restarted).</summary>
    public bool Live => !system.WhenTerminated.IsCompleted;
}
