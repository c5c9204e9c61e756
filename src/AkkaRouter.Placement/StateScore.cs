namespace AkkaRouter.Placement;

/// <summary>The coefficients of the state-aware score (<c>akka-router.placement.score</c>).</summary>
/// <param name="Health">Weight of the health term (success ratio of recent checks and, when read, requests).</param>
/// <param name="CacheHitRate">Weight of the cache hit rate term.</param>
/// <param name="ZoneCost">Weight of the 1 / zone-cost term.</param>
/// <param name="MinFactor">Floor of the weight factor the score gives, so a cold or degraded backend keeps a share
/// to warm up with and report signals from.</param>
public sealed record ScoreWeights(double Health, double CacheHitRate, double ZoneCost, double MinFactor)
{
    /// <summary>The founding document's coefficients: 0.4·health + 0.35·cache-hit-rate + 0.25/zone-cost.</summary>
    public static ScoreWeights Default { get; } = new(0.4, 0.35, 0.25, 0.1);
}

/// <summary>What a backend's score is computed from, as its sidecar read it.</summary>
/// <param name="Health">Success ratio, 0 to 1.</param>
/// <param name="CacheHitRate">Hits / lookups over the signal window, 0 to 1; null when the service reports no cache
/// counters (or served no lookups in the window).</param>
/// <param name="ZoneCost">The cost of the backend's zone (<c>akka-router.placement.zone-costs</c>), at least 1.</param>
public readonly record struct ScoreInputs(double Health, double? CacheHitRate, double ZoneCost);

/// <summary>The state-aware score: a weighted sum of health, cache hit rate and 1 / zone cost.</summary>
public static class StateScore
{
    /// <summary>
    /// The score, 0 to 1. A term without a signal (no cache counters) is left out and the rest renormalised, so a
    /// backend that reports nothing but passes its checks in a cost-1 zone scores 1, as it would without scoring.
    /// </summary>
    public static double Of(ScoreInputs inputs, ScoreWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        double health = Math.Clamp(inputs.Health, 0, 1);
        double zone = 1 / Math.Max(1, inputs.ZoneCost);
        double sum = weights.Health * health + weights.ZoneCost * zone;
        double total = weights.Health + weights.ZoneCost;
        if (inputs.CacheHitRate is { } hitRate)
        {
            sum += weights.CacheHitRate * Math.Clamp(hitRate, 0, 1);
            total += weights.CacheHitRate;
        }
        return total > 0 ? sum / total : 1;
    }

    /// <summary>The weight factor the score gives: the score, no lower than <see cref="ScoreWeights.MinFactor"/>.</summary>
    public static double Factor(ScoreInputs inputs, ScoreWeights weights) => Math.Max(weights.MinFactor, Of(inputs, weights));
}
