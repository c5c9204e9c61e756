using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaRouter.Ring;

namespace AkkaRouter.Membership;

/// <summary>
/// Turns cluster membership into ring snapshots: backends are Up, reachable members with the
/// <c>backend</c> role plus the configured static backends.
/// </summary>
/// <remarks>
/// The backend set is recomputed from the whole membership view on every event, never patched
/// event by event, so the ring depends only on the membership and not on the order events arrived.
/// A member leaves the ring the moment it is unreachable or starts leaving; removal is not awaited.
/// A node that cannot see a majority of the cluster publishes an empty ring (see CannotSeeMajority).
/// </remarks>
public sealed class RingActor : ReceiveActor
{
    private readonly RingView _view;
    private readonly IReadOnlyList<Backend> _staticBackends;
    private readonly Dictionary<UniqueAddress, Member> _members = new();
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RingActor(RingView view, IReadOnlyList<Backend> staticBackends)
    {
        _view = view;
        _staticBackends = staticBackends;

        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (e is ClusterEvent.MemberRemoved)
                _members.Remove(e.Member.UniqueAddress);
            else
                _members[e.Member.UniqueAddress] = e.Member;
            if (e is ClusterEvent.MemberRemoved)
                _unreachable.Remove(e.Member.UniqueAddress);
            Update($"{e.GetType().Name} {e.Member.Address}");
        });
        Receive<ClusterEvent.UnreachableMember>(e =>
        {
            _unreachable.Add(e.Member.UniqueAddress);
            Update($"unreachable {e.Member.Address}");
        });
        Receive<ClusterEvent.ReachableMember>(e =>
        {
            _unreachable.Remove(e.Member.UniqueAddress);
            Update($"reachable {e.Member.Address}");
        });
    }

    /// <summary>Props for the ring actor.</summary>
    public static Props Props(RingView view, IReadOnlyList<Backend> staticBackends) =>
        Akka.Actor.Props.Create(() => new RingActor(view, staticBackends));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Update("static backends");
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void Update(string reason)
    {
        var previous = _view.Current;
        RingSnapshot next;
        try
        {
            next = previous.Apply(DesiredBackends());
        }
        catch (ArgumentException e)
        {
            // Advertisements are validated on the way in; this keeps the last good ring if one slips through.
            _log.Error(e, "Ring not updated ({Reason}): {Problem}", reason, e.Message);
            return;
        }
        if (ReferenceEquals(next, previous))
            return;
        _view.Publish(next);
        var movement = RingDiff.Compare(previous, next);
        if (next.IsEmpty && CannotSeeMajority())
            reason += "; a majority of the cluster is unreachable: lookups are refused until it is reachable again or this node is downed";
        _log.Info("Ring v{RingVersion}: {BackendCount} backends, checksum {RingChecksum:x16}, {KeysMoved:P2} of keys moved ({Reason})",
            next.Version, next.Count, next.Checksum, movement.MovedFraction, reason);
        Context.System.EventStream.Publish(new RingChanged(previous, next, movement, reason));
    }

    private IEnumerable<Backend> DesiredBackends()
    {
        if (CannotSeeMajority())
            return [];
        var byId = new Dictionary<string, Backend>(StringComparer.Ordinal);
        foreach (var backend in _staticBackends)
            byId[backend.Id] = backend;
        // Members win over a static entry of the same id. Where two live members advertise one id
        // (a restarted instance whose old incarnation is not yet removed), the youngest wins: the
        // leader assigns up-numbers, so every router sees the same ones and picks the same member,
        // and it is the new incarnation that gets the keys.
        var memberIds = new Dictionary<string, Member>(StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            if (member.Status != MemberStatus.Up || _unreachable.Contains(member.UniqueAddress))
                continue;
            if (BackendAdvertisement.FromMember(member) is not { } backend)
                continue;
            if (memberIds.TryGetValue(backend.Id, out var other) && Younger(other, member))
                continue;
            memberIds[backend.Id] = member;
            byId[backend.Id] = backend;
        }
        return byId.Values;
    }

    // Member.IsOlderThan compares leader-assigned up-numbers, then addresses: the same on every node.
    private static bool Younger(Member a, Member b) => b.IsOlderThan(a);

    // A node that cannot see a majority of the cluster is about to be downed by the keep-majority
    // split-brain resolver, and its view of the backends differs from the majority's: answering
    // from it would give owners no other router agrees with. So it publishes an empty ring (GET
    // answers "-ERR no backends in ring") until the partition heals or SBR downs it and the
    // process exits. Same rule as keep-majority: count Up and Leaving members; on an equal split
    // the side holding the lowest address is the majority.
    private bool CannotSeeMajority()
    {
        if (_unreachable.Count == 0)
            return false;
        var counted = _members.Values.Where(m => m.Status is MemberStatus.Up or MemberStatus.Leaving).ToList();
        var unreachable = counted.Count(m => _unreachable.Contains(m.UniqueAddress));
        var reachable = counted.Count - unreachable;
        if (reachable != unreachable)
            return reachable < unreachable;
        var lowest = counted.MinBy(m => m.Address, Member.AddressOrdering);
        return lowest is not null && _unreachable.Contains(lowest.UniqueAddress);
    }
}
