using Akka.Actor;
using Akka.Event;
using AkkaRouter.Configuration;

namespace AkkaRouter.Http;

/// <summary>How one forwarding attempt to a backend ended, as far as its health is concerned.</summary>
public enum AttemptResult
{
    Succeeded,
    /// <summary>Connect error, 5xx, timeout or a broken response.</summary>
    Failed,
    /// <summary>Says nothing about the backend (the client went away); only matters for a half-open probe.</summary>
    Inconclusive,
}

/// <summary>An attempt's outcome, told (never asked) by the request path to the edge, which hands it to the backend's circuit.</summary>
public sealed record BackendOutcome(string Endpoint, AttemptResult Result, string Failure);

/// <summary>A circuit published a new state; the edge folds it into the snapshot the request path reads.</summary>
public sealed record CircuitChanged(CircuitState State);

/// <summary>
/// One backend's circuit breaker and passive health: consecutive failures open the circuit, the reset timeout
/// half-opens it, and the single probe request that follows closes or re-opens it.
/// </summary>
/// <remarks>
/// Runs under a BackoffSupervisor: if it ever fails it comes back closed, which errs on the side of sending
/// traffic; the next failures open it again.
/// </remarks>
public sealed class BackendCircuitActor : ReceiveActor, IWithTimers
{
    private sealed record HalfOpenDue
    {
        public static readonly HalfOpenDue Instance = new();
    }

    private sealed record ProbeExpired(CircuitState Probe);

    private readonly string _endpoint;
    private readonly IActorRef _edge;
    private readonly CircuitBreakerSettings _settings;
    private readonly TimeSpan _probeTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CircuitState _state;
    private int _failures;

    public ITimerScheduler Timers { get; set; } = null!;

    public BackendCircuitActor(string endpoint, IActorRef edge, CircuitBreakerSettings settings, TimeSpan probeTimeout)
    {
        _endpoint = endpoint;
        _edge = edge;
        _settings = settings;
        _probeTimeout = probeTimeout;
        _state = new CircuitState(endpoint, CircuitPhase.Closed, "");

        Receive<BackendOutcome>(o => o.Result == AttemptResult.Succeeded, _ => OnSuccess());
        Receive<BackendOutcome>(o => o.Result == AttemptResult.Failed, o => OnFailure(o.Failure));
        Receive<BackendOutcome>(_ => ReopenProbe());
        Receive<HalfOpenDue>(_ => ReopenProbe());
        Receive<ProbeExpired>(e => ReferenceEquals(e.Probe, _state), _ => ReopenProbe());
        Receive<ProbeExpired>(_ => { });
    }

    /// <summary>Props of the circuit for <paramref name="endpoint"/>; <paramref name="probeTimeout"/> frees a probe slot whose outcome never came.</summary>
    public static Props Props(string endpoint, IActorRef edge, CircuitBreakerSettings settings, TimeSpan probeTimeout) =>
        Akka.Actor.Props.Create(() => new BackendCircuitActor(endpoint, edge, settings, probeTimeout));

    protected override void PreStart() => Publish(_state);

    private void OnSuccess()
    {
        if (_state.Phase == CircuitPhase.Closed || _state.Phase == CircuitPhase.Open)
            return;
        if (_state.Phase == CircuitPhase.HalfOpen)
            _log.Info("HTTP edge: circuit to {Backend} closed, the probe request succeeded", _endpoint);
        _failures = 0;
        Timers.CancelAll();
        Publish(new CircuitState(_endpoint, CircuitPhase.Closed, ""));
    }

    private void OnFailure(string failure)
    {
        if (_state.Phase == CircuitPhase.Open)
            return;
        _failures++;
        if (_state.Phase == CircuitPhase.HalfOpen || _failures >= _settings.FailureThreshold)
        {
            _log.Warning("HTTP edge: circuit to {Backend} open after {Failures} consecutive failure(s), last: {Failure}; skipping it for {ResetTimeout}",
                _endpoint, _failures, failure, _settings.ResetTimeout);
            Timers.StartSingleTimer(HalfOpenDue.Instance, HalfOpenDue.Instance, _settings.ResetTimeout);
            Publish(new CircuitState(_endpoint, CircuitPhase.Open, failure));
        }
        else if (_state.Phase == CircuitPhase.Closed)
        {
            Publish(new CircuitState(_endpoint, CircuitPhase.Suspect, failure));
        }
    }

    // A fresh half-open state carries a fresh probe slot: the reset timeout passed, the probe's client went
    // away, or the probe's outcome never arrived.
    private void ReopenProbe()
    {
        if (_state.Phase is not (CircuitPhase.Open or CircuitPhase.HalfOpen))
            return;
        var probe = new CircuitState(_endpoint, CircuitPhase.HalfOpen, _state.Reason);
        Timers.StartSingleTimer("probe-expired", new ProbeExpired(probe), _probeTimeout);
        Publish(probe);
    }

    private void Publish(CircuitState state)
    {
        _state = state;
        _edge.Tell(new CircuitChanged(state));
    }
}
