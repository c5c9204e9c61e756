using Akka.Actor;
using AkkaRouter.Configuration;
using AkkaRouter.Metrics;
using AkkaRouter.Placement;

namespace AkkaRouter.Health;

/// <summary>One check of a backend ran (sent to the checker's parent, which may count them).</summary>
public sealed record CheckObserved(string Id, bool Passed);

/// <summary>A checker's verdict for one backend changed (sent to the checker's parent).</summary>
/// <param name="Reason">The last failure when unhealthy, else empty.</param>
public sealed record VerdictChanged(string Id, bool Healthy, string Reason);

/// <summary>
/// Checks one backend's service every interval (with jitter) and applies the rise/fall rule; tells its parent when
/// the verdict changes.
/// </summary>
public sealed class HealthCheckActor : ReceiveActor, IWithTimers
{
    private const string TickTimer = "tick";
    private readonly HealthCheckSettings _settings;
    private readonly string _id;
    private readonly HealthProbe _probe;
    private readonly HealthVerdict _verdict;
    private readonly RouterMetrics _metrics;
    private string _lastFailure = "";

    public HealthCheckActor(string id, string endpoint, HealthCheckSettings settings, bool? initial, RouterMetrics metrics)
    {
        _id = id;
        _settings = settings;
        _metrics = metrics;
        _probe = new HealthProbe(settings, endpoint);
        _verdict = new HealthVerdict(settings.Rise, settings.Fall, initial);
        Become(Idle);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string id, string endpoint, HealthCheckSettings settings, bool? initial, RouterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new HealthCheckActor(id, endpoint, settings, initial, metrics));

    protected override void PreStart() => Self.Tell(Tick.Instance);

    protected override void PostStop() => _probe.Dispose();

    // Checks start every interval (± jitter) whatever each one takes, so a hung service is detected in about
    // fall × interval + timeout, not fall × (interval + timeout). The timeout is at most the interval (the settings
    // reader enforces it), so a check is over before the next one is due; a tick that still finds one running is
    // skipped rather than doubled.
    private void Idle()
    {
        Receive<Tick>(_ =>
        {
            Timers.StartSingleTimer(TickTimer, Tick.Instance, NextWait());
            _probe.Check().PipeTo(Self);
            Become(Checking);
        });
    }

    private void Checking()
    {
        Receive<Tick>(_ => Timers.StartSingleTimer(TickTimer, Tick.Instance, NextWait()));
        Receive<Status.Failure>(failure => Self.Tell(new ProbeResult(false, failure.Cause.Message, TimeSpan.Zero)));
        Receive<ProbeResult>(result =>
        {
            _metrics.ObserveCheck(_id, result);
            Context.Parent.Tell(new CheckObserved(_id, result.Passed));
            if (!result.Passed)
                _lastFailure = result.Failure;
            if (_verdict.Observe(result.Passed))
                Context.Parent.Tell(new VerdictChanged(_id, _verdict.Healthy == true, _verdict.Healthy == true ? "" : _lastFailure));
            Become(Idle);
        });
    }

    // interval ± jitter × interval, so checks of many backends (and of many sidecars) do not line up.
    private TimeSpan NextWait() =>
        _settings.Interval * (1 + _settings.Jitter * (2 * Random.Shared.NextDouble() - 1));

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
