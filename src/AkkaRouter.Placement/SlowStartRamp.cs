namespace AkkaRouter.Placement;

/// <summary>
/// Slow start: after a join or a recovery a backend's weight factor climbs from <see cref="MinWeight"/> to 1 over
/// <see cref="Duration"/> in equal steps a few seconds apart.
/// </summary>
/// <remarks>
/// A backend's points are a prefix of its point sequence, so each step only adds that backend's points: keys move
/// only to it. Steps rather than a continuous ramp, because each step is a replicated write and a ring change on
/// every router; about two seconds apart (at most ten steps) keeps that cheap and the ramp still smooth.
/// </remarks>
public sealed record SlowStartRamp(TimeSpan Duration, double MinWeight)
{
    /// <summary>Target spacing of steps; longer ramps use at most <see cref="MaxSteps"/> steps.</summary>
    public static readonly TimeSpan StepSpacing = TimeSpan.FromSeconds(2);

    public const int MaxSteps = 10;

    /// <summary>Factors are rounded to this many decimals so that every node computes and serialises the same value.</summary>
    public const int FactorDecimals = 3;

    public static SlowStartRamp Off { get; } = new(TimeSpan.Zero, 1.0);

    public bool Enabled => Duration > TimeSpan.Zero && MinWeight < 1.0;

    /// <summary>Steps after the first: the factor reaches 1 at step <see cref="Steps"/>.</summary>
    public int Steps => Enabled ? (int)Math.Clamp(Math.Ceiling(Duration / StepSpacing), 1, MaxSteps) : 0;

    /// <summary>Time between two steps.</summary>
    public TimeSpan StepInterval => Enabled ? Duration / Steps : TimeSpan.Zero;

    /// <summary>The weight factor at <paramref name="step"/> (0 = start, <see cref="Steps"/> = full weight).</summary>
    public double FactorAt(int step)
    {
        if (!Enabled || step >= Steps)
            return 1.0;
        double factor = MinWeight + (1.0 - MinWeight) * Math.Max(step, 0) / Steps;
        return Math.Round(factor, FactorDecimals, MidpointRounding.AwayFromZero);
    }
}
