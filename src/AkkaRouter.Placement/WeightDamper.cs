namespace AkkaRouter.Placement;

/// <summary>
/// How a backend's state-aware weight factor is damped (<c>akka-router.node.signals.damping</c>), so that placement
/// moves keys only when it pays.
/// </summary>
/// <param name="Quantum">Factors are rounded to multiples of this: signal noise below it never reaches the ring.</param>
/// <param name="MinChange">A new factor is published only when it differs from the published one by at least this
/// (or reaches 1).</param>
/// <param name="MinInterval">At least this long between two published changes.</param>
/// <param name="MaxMovedPerMinute">At most this fraction of the key space moved by this backend's changes in any
/// minute; a larger change is made in part now, the rest later.</param>
public sealed record DampingSettings(double Quantum, double MinChange, TimeSpan MinInterval, double MaxMovedPerMinute)
{
    public static DampingSettings Default { get; } = new(0.05, 0.1, TimeSpan.FromSeconds(30), 0.05);
}

/// <summary>
/// Turns a stream of target weight factors into the few changes worth publishing: quantised, large enough, spaced
/// out, and within a budget of key movement per minute. Each backend damps its own factor, so no central controller
/// can go stale.
/// </summary>
public sealed class WeightDamper(DampingSettings settings, double initial = 1.0)
{
    private static readonly TimeSpan BudgetWindow = TimeSpan.FromMinutes(1);
    private readonly Queue<(DateTimeOffset At, double Moved)> _moves = new();
    private DateTimeOffset? _lastChange;

    /// <summary>The factor last published.</summary>
    public double Published { get; private set; } = initial;

    /// <summary>
    /// Offers a target factor at <paramref name="now"/>; returns the factor to publish, or null to keep the published
    /// one. <paramref name="moved"/> estimates the fraction of the key space a change to a factor would move.
    /// </summary>
    public double? Offer(double target, DateTimeOffset now, Func<double, double> moved)
    {
        ArgumentNullException.ThrowIfNull(moved);
        double wanted = Quantize(target);
        if (wanted == Published)
            return null;
        bool reachesBound = wanted is 1.0;
        if (Math.Abs(wanted - Published) < settings.MinChange - 1e-9 && !reachesBound)
            return null;
        if (_lastChange is { } last && now - last < settings.MinInterval)
            return null;
        while (_moves.Count > 0 && now - _moves.Peek().At >= BudgetWindow)
            _moves.Dequeue();
        double budget = settings.MaxMovedPerMinute - _moves.Sum(m => m.Moved);
        // Step toward the target one quantum at a time while the movement stays within the budget.
        double step = Math.Sign(wanted - Published) * settings.Quantum;
        double chosen = Published;
        for (double next = Quantize(Published + step); ; next = Quantize(next + step))
        {
            if (moved(next) > budget + 1e-12)
                break;
            chosen = next;
            if (next == wanted || Math.Sign(wanted - next) != Math.Sign(step))
                break;
        }
        if (chosen == Published)
            return null;
        _moves.Enqueue((now, moved(chosen)));
        _lastChange = now;
        Published = chosen;
        return chosen;
    }

    private double Quantize(double factor)
    {
        double q = Math.Round(Math.Clamp(factor, 0, 1) / settings.Quantum, MidpointRounding.AwayFromZero) * settings.Quantum;
        return Math.Round(Math.Clamp(q, 0, 1), SlowStartRamp.FactorDecimals);
    }
}
