using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaRouter.Metrics;

namespace AkkaRouter.Membership;

/// <summary>
/// Logs each membership change once, at Information with structured fields, and keeps the
/// membership and ring metrics current.
/// </summary>
public sealed class MembershipObserver : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RouterMetrics _metrics;
    private readonly RingView _ring;

    public MembershipObserver(RouterMetrics metrics, RingView ring)
    {
        _metrics = metrics;
        _ring = ring;
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            var name = EventName(e);
            metrics.MembershipEvents.WithLabels(name).Inc();
            _log.Info("Member {Member} {MembershipEvent} (status {MemberStatus}, roles [{Roles}])",
                e.Member.Address, name, e.Member.Status, string.Join(",", BackendAdvertisement.VisibleRoles(e.Member.Roles)));
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            metrics.MembershipEvents.WithLabels("unreachable").Inc();
            _log.Warning("Member {Member} unreachable", e.Member.Address);
        });
        Receive<ClusterEvent.ReachableMember>(e =>
        {
            metrics.MembershipEvents.WithLabels("reachable").Inc();
            _log.Info("Member {Member} reachable again", e.Member.Address);
        });
        Receive<RingChanged>(e =>
        {
            // The ring gauges describe the default service's ring; the per-backend gauges cover every service.
            if (e.Service == RingView.DefaultService)
                SetRingGauges(e.Current);
            metrics.SetBackends(e.Current, e.Previous);
            metrics.RingChanges.Inc();
            metrics.RingKeysMoved.Observe(e.Movement.MovedFraction);
        });
    }

    public static Props Props(RouterMetrics metrics, RingView ring) => Akka.Actor.Props.Create(() => new MembershipObserver(metrics, ring));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(RingChanged));
        // A ring published before this subscription took effect is read directly.
        SetRingGauges(_ring.Current);
        _metrics.SetBackends(_ring.Current, null);
    }

    private void SetRingGauges(Ring.RingSnapshot ring)
    {
        _metrics.RingVersion.Set(ring.Version);
        _metrics.RingBackends.Set(ring.Count);
        _metrics.RingPoints.Set(ring.PointCount);
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private static string EventName(ClusterEvent.IMemberEvent e) => e switch
    {
        ClusterEvent.MemberJoined => "joined",
        ClusterEvent.MemberWeaklyUp => "weakly-up",
        ClusterEvent.MemberUp => "up",
        ClusterEvent.MemberLeft => "leaving",
        ClusterEvent.MemberExited => "exited",
        ClusterEvent.MemberDowned => "downed",
        ClusterEvent.MemberRemoved => "removed",
        _ => e.GetType().Name,
    };
}
