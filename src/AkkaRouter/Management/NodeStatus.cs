using Akka.Actor;
using Akka.Cluster;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;

namespace AkkaRouter.Management;

/// <summary>Liveness and readiness of this node, as orchestrators and the Dockerfile's HEALTHCHECK ask.</summary>
public sealed class NodeStatus(ActorSystem system, RouterSettings settings, RingView ring)
{
    /// <summary>Ready = this node is an Up member of the cluster and, on a router, can answer lookups (ring not empty).</summary>
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
        if (settings.IsRouter && !ring.Services.Any(s => s.Current.HasOwners))
            return (false, "ring has no backends");
        return (true, "ready");
    }

    /// <summary>Live = the actor system is running (a terminated node should be restarted).</summary>
    public bool Live => !system.WhenTerminated.IsCompleted;
}
