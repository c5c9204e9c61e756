using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Placement;

namespace AkkaRouter.Health;

/// <summary>
/// A sidecar's state-aware weight: reads its service's counters, scores health, cache hit rate and zone cost, and
/// damps the resulting weight factor. The sidecar publishes <see cref="Current"/> with its health entry, so every
/// router places by the same factor and no central controller is involved.
/// </summary>
public sealed class StateAwareWeight : IDisposable
{
    private readonly SignalSettings _signals;
    private readonly ScoreWeights _weights;
    private readonly double _zoneCost;
    private readonly RingView _ring;
    private readonly string _id;
    private readonly SignalWindow _window;
    private readonly WeightDamper _damper;
    private readonly Queue<(DateTimeOffset At, bool Passed)> _checks = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

    public StateAwareWeight(string id, SignalSettings signals, ScoreSettings score, string zone, RingView ring)
    {
        _id = id;
        _signals = signals;
        _weights = score.Weights;
        _zoneCost = score.ZoneCost(zone);
        _ring = ring;
        _window = new SignalWindow(signals.Names, signals.Window);
        _damper = new WeightDamper(signals.Damping);
        // Reads never overlap (the next one is scheduled after this one ends), so a slow service delays a reading
        // rather than failing it, up to this bound.
        _http.Timeout = TimeSpan.FromSeconds(2);
    }

    /// <summary>The score last published, or null before the first reading.</summary>
    public ScoreReport? Current { get; private set; }

    /// <summary>The last reading's failure, if it failed.</summary>
    public string LastFailure { get; private set; } = "";

    /// <summary>Counts one health check for the health term.</summary>
    public void ObserveCheck(bool passed, DateTimeOffset now)
    {
        _checks.Enqueue((now, passed));
        while (_checks.Count > 0 && now - _checks.Peek().At > _signals.Window)
            _checks.Dequeue();
    }

    /// <summary>Reads the service's counters once; null (with <see cref="LastFailure"/>) when it cannot be read.</summary>
    public async Task<SignalSample?> Read()
    {
        try
        {
            var text = await _http.GetStringAsync(_signals.Url);
            LastFailure = "";
            return SignalSample.Parse(text, _signals.Names.All, DateTimeOffset.UtcNow);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            LastFailure = e.Message;
            return null;
        }
    }

    /// <summary>
    /// Adds a reading and re-scores; returns true when the damped factor changed (the sidecar then publishes).
    /// <paramref name="configuredWeight"/> × <paramref name="rampFactor"/> is the weight the factor multiplies.
    /// </summary>
    public bool Update(SignalSample sample, DateTimeOffset now, double configuredWeight, double rampFactor)
    {
        _window.Add(sample);
        double health = _checks.Count == 0 ? 1.0 : (double)_checks.Count(c => c.Passed) / _checks.Count;
        if (_window.RequestSuccess is { } success)
            health *= success;
        var inputs = new ScoreInputs(health, _window.CacheHitRate, _zoneCost);
        double value = StateScore.Of(inputs, _weights);
        double target = StateScore.Factor(inputs, _weights);
        double before = _damper.Published;
        var published = _damper.Offer(target, now, factor => Moved(configuredWeight * rampFactor, before, factor));
        var factor = published ?? _damper.Published;
        bool changed = published is not null || Current is null;
        Current = new ScoreReport(inputs, Math.Round(value, 4), factor);
        return changed;
    }

    // The fraction of the key space a change of this backend's factor moves: its weight change over the ring's total.
    private double Moved(double weight, double from, double to)
    {
        double total = _ring.Current.Backends.Sum(b => b.Weight);
        double delta = Math.Abs(weight * (to - from));
        return total + weight * (to - from) > 0 ? delta / Math.Max(total, total + weight * (to - from)) : 0;
    }

    public void Dispose() => _http.Dispose();

    public override string ToString() => $"StateAwareWeight({_id}, factor {_damper.Published})";
}
