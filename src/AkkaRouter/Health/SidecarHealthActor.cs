using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Placement;
using AkkaRouter.State;

namespace AkkaRouter.Health;

/// <summary>
/// Runs on a backend node: checks the service it fronts, ramps its weight after a join or recovery (slow start), and
/// writes its health entry in the replicated state, which every router places by.
/// </summary>
/// <remarks>
/// This node is the entry's only writer. Writes start once the node is Up and has read the entry from a majority, so
/// the first write opens an epoch above whatever a previous incarnation left. If another live member advertises the
/// same id and is younger (a restarted instance whose old incarnation is not removed yet), this one stops writing:
/// routers take the younger member's verdict.
/// </remarks>
public sealed class SidecarHealthActor : ReceiveActor, IWithTimers
{
    private const string RampTimer = "slow-start";
    private const string SignalsTimer = "signals";
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Identity _self;
    private readonly NodeSettings _node;
    private readonly RouterMetrics _metrics;
    private readonly IActorRef _replicator;
    private readonly EntryVersions _versions = new();
    private readonly string _writer;
    private readonly StateAwareWeight? _stateAware;
    private bool? _healthy;
    private string _failure = "";
    private int _rampStep;
    private long _since;
    private bool _ready;
    private bool _superseded;
    private HealthReport? _published;

    public SidecarHealthActor(Ring.Backend self, NodeSettings node, ScoreSettings score, RingView ring, RouterMetrics metrics)
    {
        _self = new Identity(self.Id, self.Endpoint, self.Weight);
        _stateAware = node.Signals.Enabled ? new StateAwareWeight(self.Id, node.Signals, score, node.Zone, ring) : null;
        _node = node;
        _metrics = metrics;
        _replicator = StateReplication.Replicator(Context.System);
        _writer = StateReplication.SelfWriter(Context.System);

        Receive<MemberIsUp>(_ => _replicator.Tell(Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead)));
        Receive<GetSuccess>(_ => BecomeReady());
        Receive<NotFound>(_ => BecomeReady());
        Receive<GetFailure>(_ =>
        {
            _log.Warning("Backend {BackendId}: could not read the replicated state from a majority; continuing from this node's copy", _self.Id);
            BecomeReady();
        });
        Receive<Changed>(changed => OnChanged(changed.Get(ReplicatedBackendState.Key).Table));
        Receive<VerdictChanged>(v =>
        {
            var recovered = v.Healthy && _healthy != true;
            _healthy = v.Healthy;
            _failure = v.Reason;
            if (recovered)
                _rampStep = 0;
            Publish(newVerdict: true);
        });
        Receive<RampStep>(_ =>
        {
            _rampStep++;
            Publish(newVerdict: false);
        });
        Receive<CheckObserved>(c => _stateAware?.ObserveCheck(c.Passed, DateTimeOffset.UtcNow));
        Receive<SignalsTick>(_ => _stateAware!.Read().PipeTo(Self, success: sample => new SignalsRead(sample)));
        Receive<SignalsRead>(read =>
        {
            Timers.StartSingleTimer(SignalsTimer, SignalsTick.Instance, _node.Signals.Interval);
            if (read.Sample is null)
            {
                _log.Warning("Backend {BackendId}: could not read its service's signals from {SignalsUrl}: {Problem}", _self.Id, _node.Signals.Url, _stateAware!.LastFailure);
                return;
            }
            var ramp = _node.SlowStart.Enabled && _rampStep < _node.SlowStart.Steps ? _node.SlowStart.FactorAt(_rampStep) : 1.0;
            if (_stateAware!.Update(read.Sample, DateTimeOffset.UtcNow, _self.Weight, ramp))
            {
                var score = _stateAware.Current!;
                _log.Info("Backend {BackendId}: score {Score:0.###} (health {Health:0.###}, cache hit rate {CacheHitRate}, zone cost {ZoneCost}), weight factor {WeightFactor}",
                    _self.Id, score.Value, score.Inputs.Health, score.Inputs.CacheHitRate?.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) ?? "n/a",
                    score.Inputs.ZoneCost, score.Factor);
                Publish(newVerdict: false);
            }
        });
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => _log.Debug("Backend {BackendId}: health write not confirmed by every node in time; gossip carries it", _self.Id));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Ring.Backend self, NodeSettings node, ScoreSettings score, RingView ring, RouterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new SidecarHealthActor(self, node, score, ring, metrics));

    protected override void PreStart()
    {
        if (_node.HealthCheck.Type == HealthCheckType.None)
            _healthy = true;
        else
            Context.ActorOf(HealthCheckActor.Props(_self.Id, _self.Endpoint, _node.HealthCheck, null, _metrics), "check");
        var self = Self;
        Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(MemberIsUp.Instance));
        _replicator.Tell(Dsl.Subscribe(ReplicatedBackendState.Key, Self));
        if (_stateAware is not null)
            Self.Tell(SignalsTick.Instance);
    }

    protected override void PostStop()
    {
        _replicator.Tell(Dsl.Unsubscribe(ReplicatedBackendState.Key, Self));
        _stateAware?.Dispose();
    }

    private void BecomeReady()
    {
        if (_ready)
            return;
        _ready = true;
        _since = Now();
        Publish(newVerdict: false);
    }

    private void OnChanged(BackendStateTable table)
    {
        // Another writer's entry at or above ours: a previous incarnation's late write, or a duplicate id. Write
        // again (EntryVersions opens a new epoch above it) unless a younger member rightly owns the id.
        if (!_ready || _published is null || !table.Health.TryGetValue(_self.Id, out var entry) || entry.Writer == _writer)
            return;
        if (entry.Version < _published.Version)
            return;
        if (SupersededByYoungerMember())
        {
            if (!_superseded)
                _log.Warning("Backend {BackendId}: a younger member advertises the same id; this node stops writing its health", _self.Id);
            _superseded = true;
            return;
        }
        Publish(newVerdict: false);
    }

    private void Publish(bool newVerdict)
    {
        if (newVerdict)
            _since = Now();
        if (!_ready || _superseded || _healthy is null)
            return;
        var ramp = _node.SlowStart;
        HealthReport report;
        if (_healthy == false)
        {
            Timers.Cancel(RampTimer);
            report = new HealthReport(HealthStatus.Unhealthy, 0, _failure, _since, default, _writer, _stateAware?.Current);
        }
        else if (ramp.Enabled && _rampStep < ramp.Steps)
        {
            var factor = ramp.FactorAt(_rampStep);
            report = new HealthReport(HealthStatus.Warming, Combined(factor),
                $"slow start: step {_rampStep + 1} of {ramp.Steps + 1}, {factor:P0} of its weight", _since, default, _writer, _stateAware?.Current);
            Timers.StartSingleTimer(RampTimer, RampStep.Instance, ramp.StepInterval);
        }
        else
        {
            report = new HealthReport(HealthStatus.Up, Combined(1), "", _since, default, _writer, _stateAware?.Current);
        }
        if (_published is not null && SameVerdict(_published, report))
            report = report with { SinceUnixMs = _published.SinceUnixMs };
        _published = report;
        var id = _self.Id;
        _replicator.Tell(StateReplication.WriteHealth(id, report, _versions));
        if (newVerdict || report.Status != HealthStatus.Warming)
            _log.Info("Backend {BackendId} is {BackendHealth}{Detail}", id, report.Status.ToString().ToLowerInvariant(),
                report.Reason.Length > 0 ? ": " + report.Reason : "");
    }

    private static bool SameVerdict(HealthReport a, HealthReport b) => a.Status == b.Status && a.WeightFactor.Equals(b.WeightFactor);

    // The slow-start ramp times the state-aware factor, rounded so every node serialises the same value.
    private double Combined(double ramp) =>
        Math.Round(ramp * (_stateAware?.Current?.Factor ?? 1.0), Placement.SlowStartRamp.FactorDecimals, MidpointRounding.AwayFromZero);

    private bool SupersededByYoungerMember()
    {
        var cluster = Cluster.Get(Context.System);
        var me = cluster.State.Members.FirstOrDefault(m => m.UniqueAddress == cluster.SelfUniqueAddress);
        if (me is null)
            return false;
        return cluster.State.Members.Any(m => m.UniqueAddress != me.UniqueAddress && m.Status == MemberStatus.Up
            && BackendAdvertisement.FromMember(m)?.Id == _self.Id && me.IsOlderThan(m));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private sealed class MemberIsUp
    {
        public static readonly MemberIsUp Instance = new();
    }

    private sealed class RampStep
    {
        public static readonly RampStep Instance = new();
    }

    private sealed class SignalsTick
    {
        public static readonly SignalsTick Instance = new();
    }

    private sealed record SignalsRead(SignalSample? Sample);

    private sealed record Identity(string Id, string Endpoint, double Weight);
}
