using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using AkkaRouter.Placement;
using AkkaRouter.Ring;
using AkkaRouter.State;

namespace AkkaRouter.Membership;

/// <summary>
/// Turns cluster membership and the replicated backend state into ring snapshots: backends are Up,
/// reachable members with the <c>backend</c> role plus the configured static backends, each placed
/// by its health, slow start and operator overrides (<see cref="BackendPlacement"/>).
/// </summary>
/// <remarks>
/// The backend set is recomputed from the whole membership view and the whole replicated state on
/// every event, never patched event by event, so the ring depends only on those inputs (and the
/// placement configuration) and not on the order events arrived.
/// A member leaves the ring the moment it is unreachable or starts leaving; removal is not awaited.
/// A node that cannot see a majority of the cluster publishes an empty ring (see CannotSeeMajority).
/// </remarks>
public sealed class RingActor : ReceiveActor
{
    private readonly RingView _view;
    private readonly IReadOnlyList<Backend> _staticBackends;
    private readonly PlacementSettings _placement;
    private readonly Dictionary<UniqueAddress, Member> _members = new();
    private BackendStateTable _state = BackendStateTable.Empty;
    private readonly HashSet<UniqueAddress> _unreachable = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RingActor(RingView view, IReadOnlyList<Backend> staticBackends, PlacementSettings placement)
    {
        _view = view;
        _staticBackends = staticBackends;
        _placement = placement;

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
        // The dashboard's agreement view asks every router for its rings.
        Receive<Dashboard.GetRingSummary>(_ =>
        {
            var services = _view.Services;
            Sender.Tell(new Dashboard.RingSummary(
                services.Select(s => s.Name).ToArray(),
                services.Select(s => s.Current.Version).ToArray(),
                services.Select(s => s.Current.Checksum.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                services.Select(s => s.Current.OwnerCount).ToArray()));
        });
        Receive<Changed>(changed =>
        {
            var previous = _state;
            _state = changed.Get(ReplicatedBackendState.Key).Table;
            _view.Publish(_state);
            Update("backend state", StateChanges(previous, _state));
        });
    }

    /// <summary>Props for the ring actor.</summary>
    public static Props Props(RingView view, IReadOnlyList<Backend> staticBackends, PlacementSettings placement) =>
        Akka.Actor.Props.Create(() => new RingActor(view, staticBackends, placement));

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        StateReplication.Replicator(Context.System).Tell(Dsl.Subscribe(ReplicatedBackendState.Key, Self));
        Update("static backends");
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        StateReplication.Replicator(Context.System).Tell(Dsl.Unsubscribe(ReplicatedBackendState.Key, Self));
    }

    // `changes`: the replicated-state entries that changed (id, what), named in the reason of each service whose
    // backends they are; discovered sets add their own line.
    private void Update(string reason, IReadOnlyList<(string Id, string Change)>? changes = null)
    {
        var decisions = DesiredBackends();
        // Every service this node knows gets a ring, the default first: one whose backends are all gone gets an empty one.
        foreach (var name in decisions.Keys)
            _view.Service(name);
        foreach (var service in _view.Services)
        {
            var decision = decisions.GetValueOrDefault(service.Name) ?? new PlacementDecision([], BackendPlacement.AllBackends);
            var own = changes?.Where(c => c.Id.Length == 0 || decision.Backends.Any(b => b.Id == c.Id) || service.Current.Backends.Any(b => b.Id == c.Id))
                .Select(c => c.Change).ToList();
            Update(service, decision, own is { Count: > 0 } ? $"{reason}: {string.Join(", ", own)}" : reason);
        }
    }

    private void Update(ServiceRing service, PlacementDecision decision, string reason)
    {
        var previous = service.Current;
        RingSnapshot next;
        try
        {
            next = previous.Apply(decision.Backends, _placement.Fingerprint);
        }
        catch (ArgumentException e)
        {
            // Advertisements are validated on the way in; this keeps the last good ring if one slips through.
            _log.Error(e, "Ring of service {Service} not updated ({Reason}): {Problem}", service.Name, reason, e.Message);
            return;
        }
        if (ReferenceEquals(next, previous))
            return;
        service.Publish(next);
        // After the ring: the scope never names a set the published ring does not place among yet.
        PublishScope(service, decision.Scope);
        var movement = RingDiff.Compare(previous, next);
        if (next.IsEmpty && CannotSeeMajority())
            reason += "; a majority of the cluster is unreachable: lookups are refused until it is reachable again or this node is downed";
        // The default service's line keeps its form ("Ring vN: ..."), which operators and tools follow.
        if (service.Name == RingView.DefaultService)
            _log.Info("Ring v{RingVersion}: {BackendCount} backends, {OwnerCount} owning keys, checksum {RingChecksum:x16}, {KeysMoved:P2} of keys moved ({Reason})",
                next.Version, next.Count, next.OwnerCount, next.Checksum, movement.MovedFraction, reason);
        else
            _log.Info("Service {Service} ring v{RingVersion}: {BackendCount} backends, {OwnerCount} owning keys, checksum {RingChecksum:x16}, {KeysMoved:P2} of keys moved ({Reason})",
                new object[] { service.Name, next.Version, next.Count, next.OwnerCount, next.Checksum, movement.MovedFraction, reason });
        foreach (var kept in next.Backends.Where(b => b.State == BackendState.Up && b.Reason.Length > 0 && previous.Backends.All(p => p.Id != b.Id || p.Reason != b.Reason)))
            _log.Warning("Backend {BackendId} {Reason}", kept.Id, kept.Reason);
        Context.System.EventStream.Publish(new RingChanged(previous, next, movement, reason, service.Name));
    }

    // Per service: its backends placed by BackendPlacement (health guard, SRV priority groups and zone affinity apply
    // within each service).
    private Dictionary<string, PlacementDecision> DesiredBackends()
    {
        var decisions = new Dictionary<string, PlacementDecision>(StringComparer.Ordinal);
        if (CannotSeeMajority())
            return decisions;
        var byId = new Dictionary<string, BackendIdentity>(StringComparer.Ordinal);
        foreach (var backend in _staticBackends)
            byId[backend.Id] = new BackendIdentity(backend.Id, backend.Endpoint, backend.Zone, backend.Weight, Writer: null, _placement.StaticBackendsChecked, backend.Service);
        foreach (var set in _state.Discovered.Values)
        {
            // Only a kept set's note (a failed lookup) explains its backends; a skipped record is the source's news, not theirs.
            var note = set.Kept ? set.Note : "";
            foreach (var discovered in set.Backends)
                byId.TryAdd(discovered.Id, new BackendIdentity(discovered.Id, discovered.Endpoint, discovered.Zone, 1.0, Writer: null,
                    _placement.StaticBackendsChecked, discovered.Service, discovered.Srv, note));
        }
        // Members win over a static or discovered entry of the same id. Where two live members advertise one id
        // (a restarted instance whose old incarnation is not yet removed), the youngest wins: the
        // leader assigns up-numbers, so every router sees the same ones and picks the same member,
        // and it is the new incarnation that gets the keys. Only that incarnation's own health
        // verdict counts: an entry left by the old one never puts the new one on the ring.
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
            byId[backend.Id] = new BackendIdentity(backend.Id, backend.Endpoint, backend.Zone, backend.Weight,
                ReplicatedBackendState.WriterName(member.UniqueAddress), HealthChecked: true, backend.Service);
        }
        foreach (var service in byId.Values.GroupBy(i => i.Service, StringComparer.Ordinal))
            decisions[service.Key] = BackendPlacement.Decide(service, _state, _placement);
        return decisions;
    }

    private void PublishScope(ServiceRing service, string scope)
    {
        if (scope == service.Scope)
            return;
        var level = scope.StartsWith(BackendPlacement.AllBackends + ":", StringComparison.Ordinal) ? LogLevel.WarningLevel : LogLevel.InfoLevel;
        if (service.Name == RingView.DefaultService)
            _log.Log(level, "Placing keys among {PlacementScope}", new object[] { scope });
        else
            _log.Log(level, "Service {Service}: placing keys among {PlacementScope}", new object[] { service.Name, scope });
        service.PublishScope(scope);
    }

    // Names the entries that changed, for the ring's log line and `ring tail`.
    private static List<(string Id, string Change)> StateChanges(BackendStateTable before, BackendStateTable after) =>
        after.Health.Where(e => !before.Health.TryGetValue(e.Key, out var b) || !b.Equals(e.Value))
            .Select(e => (e.Key, $"{e.Key} {e.Value.Status.ToString().ToLowerInvariant()}"))
            .Concat(after.Overrides.Where(e => !before.Overrides.TryGetValue(e.Key, out var b) || !b.Equals(e.Value))
                .Select(e => (e.Key, $"{e.Key} {(e.Value.Drained ? "drained" : e.Value.Weight is { } w ? "weight " + BackendFields.Weight(w) : "undrained")}")))
            .Concat(after.Discovered.Where(e => !before.Discovered.TryGetValue(e.Key, out var b) || !b.Equals(e.Value))
                .Select(e => ("", $"{e.Key} {e.Value.Backends.Count} backends{(e.Value.Kept ? " (kept: lookup failed)" : "")}")))
            .ToList();

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
