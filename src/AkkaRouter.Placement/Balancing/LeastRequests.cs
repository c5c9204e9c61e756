namespace AkkaRouter.Placement.Balancing;

/// <summary>
/// Least requests by the power of two choices (Mitzenmacher; Envoy's default <c>LEAST_REQUEST</c>):
/// two distinct eligible peers drawn at random, the one with fewer requests in flight per unit of
/// weight wins, (in-flight + 1) / weight, the first drawn on a tie. Draws are proportional to weight,
/// so with equal load a peer of weight 2 takes twice the requests of one of weight 1, and an idle
/// peer wins over a busy one whatever its weight.
/// </summary>
/// <remarks>
/// Two choices instead of the global minimum: every edge decides alone on its own counts, and the
/// global minimum makes all of them pile onto the same idle peer (herding); two random choices keep
/// the maximum load within O(log log n) of the mean. Allocation-free: two scans over the peers.
/// </remarks>
public static class LeastRequests
{
    /// <summary>The chosen peer's index, or -1 when no peer with a weight is eligible.</summary>
    public static int Pick<TState>(ReadOnlySpan<int> inFlight, ReadOnlySpan<double> weights, TState state,
        Func<TState, int, bool> eligible, Random random)
    {
        if (inFlight.Length != weights.Length)
            throw new ArgumentException("one in-flight count per weight");
        var first = WeightedRandom.Pick(weights, (state, eligible, skip: -1), static (s, i) => i != s.skip && s.eligible(s.state, i), random);
        if (first < 0)
            return -1;
        var second = WeightedRandom.Pick(weights, (state, eligible, skip: first), static (s, i) => i != s.skip && s.eligible(s.state, i), random);
        if (second < 0)
            return first;
        return Load(inFlight[second], weights[second]) < Load(inFlight[first], weights[first]) ? second : first;
    }

    private static double Load(int inFlight, double weight) => (inFlight + 1) / weight;
}
