namespace AkkaRouter.Placement.Balancing;

/// <summary>A peer drawn with probability proportional to its weight, among the eligible ones.</summary>
public static class WeightedRandom
{
    /// <summary>The drawn peer's index, or -1 when no peer with a weight above 0 is eligible. Allocation-free.</summary>
    public static int Pick<TState>(ReadOnlySpan<double> weights, TState state, Func<TState, int, bool> eligible, Random random)
    {
        var total = 0.0;
        for (var i = 0; i < weights.Length; i++)
            if (weights[i] > 0 && eligible(state, i))
                total += weights[i];
        if (total <= 0)
            return -1;
        var point = random.NextDouble() * total;
        var last = -1;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0 || !eligible(state, i))
                continue;
            last = i;
            point -= weights[i];
            if (point < 0)
                return i;
        }
        return last; // rounding: the point fell on the very end
    }
}
