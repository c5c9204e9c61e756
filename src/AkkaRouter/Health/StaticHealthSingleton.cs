using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Metrics;
using AkkaRouter.Placement;
using AkkaRouter.State;

namespace AkkaRouter.Health;

/// <summary>
/// The cluster singleton that checks backends without a sidecar — static backends and those discovery found — with
/// <c>akka-router.health-check</c> and writes their health entries, so every router places them by one verdict.
/// </summary>
/// <remarks>
/// A new singleton (after a handover or a crash) first reads the entries from a majority and continues from them:
/// each checker starts from the replicated verdict, so a handover flips nothing, and its first write opens an epoch
/// above its predecessor's. Discovered backends come and go with the discovered sets in the replicated state: a new
/// one gets a checker, a removed one loses it, and one whose endpoint changed gets a fresh checker of the new endpoint.
/// </remarks>
public sealed class StaticHealthSingleton : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IReadOnlyList<Ring.Backend> _backends;
    private readonly HealthCheckSettings _settings;
    private readonly RouterMetrics _metrics;
    private readonly IActorRef _replicator;
    private readonly EntryVersions _versions = new();
    private readonly string _writer;
    private readonly Dictionary<string, (IActorRef Checker, string Endpoint)> _checkers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _static;
    private long _incarnation;

    public StaticHealthSingleton(IReadOnlyList<Ring.Backend> backends, HealthCheckSettings settings, RouterMetrics metrics)
    {
        _backends = backends;
        _static = backends.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        _settings = settings;
        _metrics = metrics;
        _replicator = StateReplication.Replicator(Context.System);
        _writer = "health-singleton@" + StateReplication.SelfWriter(Context.System);
        Receive<GetSuccess>(r => Start(StateReplication.FromGet(r)!));
        Receive<NotFound>(r => Start(BackendStateTable.Empty));
        Receive<GetFailure>(_ =>
        {
            _log.Warning("Health singleton: could not read the replicated state from a majority; retrying");
            Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), _replicator,
                Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead), Self);
        });
    }

    public static Props Props(IReadOnlyList<Ring.Backend> backends, HealthCheckSettings settings, RouterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new StaticHealthSingleton(backends, settings, metrics));

    protected override void PreStart()
    {
        _log.Info("Health singleton checks {BackendCount} static backends and every discovered one", _backends.Count);
        _replicator.Tell(Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead));
    }

    protected override void PostStop() => _replicator.Tell(Dsl.Unsubscribe(ReplicatedBackendState.Key, Self));

    private void Start(BackendStateTable table)
    {
        foreach (var backend in _backends)
            Check(backend.Id, backend.Endpoint, table);
        SyncDiscovered(table);
        _replicator.Tell(Dsl.Subscribe(ReplicatedBackendState.Key, Self));
        Become(Checking);
    }

    private void Check(string id, string endpoint, BackendStateTable table)
    {
        bool? initial = table.Health.TryGetValue(id, out var report) ? report.Healthy : null;
        var checker = Context.ActorOf(HealthCheckActor.Props(id, endpoint, _settings, initial, _metrics),
            $"check-{Uri.EscapeDataString(id)}-{++_incarnation}");
        _checkers[id] = (checker, endpoint);
    }

    private void SyncDiscovered(BackendStateTable table)
    {
        var wanted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var backend in table.Discovered.Values.SelectMany(set => set.Backends))
        {
            if (!_static.Contains(backend.Id))
                wanted.TryAdd(backend.Id, backend.Endpoint);
        }
        foreach (var (id, (checker, endpoint)) in _checkers.Where(c => !_static.Contains(c.Key)).ToList())
        {
            if (wanted.TryGetValue(id, out var now) && now == endpoint)
                continue;
            Context.Stop(checker);
            _checkers.Remove(id);
        }
        foreach (var (id, endpoint) in wanted.Where(w => !_checkers.ContainsKey(w.Key)))
        {
            _log.Info("Health singleton checks discovered backend {BackendId} at {Endpoint}", id, endpoint);
            Check(id, endpoint, table);
        }
    }

    private void Checking()
    {
        Receive<Changed>(changed => SyncDiscovered(changed.Get(ReplicatedBackendState.Key).Table));
        Receive<VerdictChanged>(v =>
        {
            // A checker replaced or removed a moment ago may still report: only the current one's verdict counts.
            if (!_checkers.TryGetValue(v.Id, out var current) || !current.Checker.Equals(Sender))
                return;
            var report = new HealthReport(v.Healthy ? HealthStatus.Up : HealthStatus.Unhealthy, v.Healthy ? 1 : 0, v.Reason,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), default, _writer);
            _replicator.Tell(StateReplication.WriteHealth(v.Id, report, _versions));
            _log.Info("{BackendKind} backend {BackendId} is {BackendHealth}{Detail}", new object[] { _static.Contains(v.Id) ? "Static" : "Discovered", v.Id,
                v.Healthy ? "up" : "unhealthy", v.Reason.Length > 0 ? ": " + v.Reason : "" });
        });
        Receive<CheckObserved>(_ => { });
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }
}
