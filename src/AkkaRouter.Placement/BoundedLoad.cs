namespace AkkaRouter.Placement;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam): a request goes to the first backend of its
/// key's preference list that stays within the balance factor times the mean load after taking it.
/// </summary>
/// <remarks>
/// With T requests in flight over N key-owning backends, a backend holding c may take one more while
/// c + 1 ≤ ⌈factor × (T + 1) / N⌉, the rule of Envoy's <c>hash_balance_factor</c> and HAProxy's
/// <c>hash-balance-factor</c>. The N limits add up to at least factor × (T + 1) > T + 1, so over the whole ring some
/// backend is always under its limit; a request only looks at its first few candidates, and when all of them are over,
/// the owner takes it: the bound decides where a request goes, never whether it is served. Scanning in preference-list
/// order makes a hot key spill to the same backends every time, so their caches warm for it.
/// </remarks>
public static class BoundedLoad
{
    /// <summary>The balance factor that turns bounded loads off: every request goes to its owner.</summary>
    public const double Off = 0;

    /// <summary>An in-flight count that marks a candidate unable to take requests now (an open circuit): never chosen by the bound, never spilled over.</summary>
    public const int Unavailable = -1;

    /// <summary>
    /// Whether <paramref name="factor"/> is a usable balance factor: <see cref="Off"/>, or a finite number above 1.
    /// At 1 any imbalance at all spills and keys lose their owner; below 1 the limits add up to less than the load.
    /// </summary>
    public static bool IsValidFactor(double factor) => factor == Off || (double.IsFinite(factor) && factor > 1);

    /// <summary>The most requests a backend may have in flight once it takes the next one: ⌈factor × (total + 1) / owners⌉.</summary>
    public static long Limit(double factor, long totalInFlight, int owners) =>
        (long)Math.Ceiling(factor * (totalInFlight + 1) / owners);

    /// <summary>Index in the preference list of the backend that takes the next request.</summary>
    /// <param name="inFlight">Each candidate's in-flight requests in preference-list order (first = owner); negative
    /// (<see cref="Unavailable"/>) for a candidate that cannot take it.</param>
    /// <param name="totalInFlight">Requests in flight over all key-owning backends.</param>
    /// <param name="owners">How many backends own keys on the ring.</param>
    /// <param name="factor">The balance factor, <see cref="Off"/> or above 1.</param>
    /// <returns>The first available candidate under the limit; 0 (the owner) when none is, when off, or with no owners.</returns>
    public static int Choose(ReadOnlySpan<int> inFlight, long totalInFlight, int owners, double factor)
    {
        if (factor == Off || owners <= 0 || inFlight.Length <= 1)
            return 0;
        var limit = Limit(factor, totalInFlight, owners);
        for (var i = 0; i < inFlight.Length; i++)
        {
            if (inFlight[i] >= 0 && inFlight[i] < limit)
                return i;
        }
        return 0;
    }
}
