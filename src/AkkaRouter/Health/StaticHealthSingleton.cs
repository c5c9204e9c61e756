using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Metrics;
using AkkaRouter.Placement;
using AkkaRouter.State;

namespace AkkaRouter.Health;

/// <summary>
/// The cluster singleton that checks backends without a sidecar (static backends) with
/// <c>akka-router.health-check</c> and writes their health entries, so every router places them by one verdict.
/// </summary>
/// <remarks>
/// A new singleton (after a handover or a crash) first reads the entries from a majority and continues from them:
/// each checker starts from the replicated verdict, so a handover flips nothing, and its first write opens an epoch
/// above its predecessor's.
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

    public StaticHealthSingleton(IReadOnlyList<Ring.Backend> backends, HealthCheckSettings settings, RouterMetrics metrics)
    {
        _backends = backends;
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
        _log.Info("Health singleton checks {BackendCount} static backends", _backends.Count);
        _replicator.Tell(Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead));
    }

    private void Start(BackendStateTable table)
    {
        foreach (var backend in _backends)
        {
            bool? initial = table.Health.TryGetValue(backend.Id, out var report) ? report.Healthy : null;
            Context.ActorOf(HealthCheckActor.Props(backend.Id, backend.Endpoint, _settings, initial, _metrics), "check-" + Uri.EscapeDataString(backend.Id));
        }
        Become(Checking);
    }

    private void Checking()
    {
        Receive<VerdictChanged>(v =>
        {
            var report = new HealthReport(v.Healthy ? HealthStatus.Up : HealthStatus.Unhealthy, v.Healthy ? 1 : 0, v.Reason,
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), default, _writer);
            _replicator.Tell(StateReplication.WriteHealth(v.Id, report, _versions));
            _log.Info("Static backend {BackendId} is {BackendHealth}{Detail}", v.Id, v.Healthy ? "up" : "unhealthy",
                v.Reason.Length > 0 ? ": " + v.Reason : "");
        });
        Receive<CheckObserved>(_ => { });
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }
}
