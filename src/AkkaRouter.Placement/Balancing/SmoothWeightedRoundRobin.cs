namespace AkkaRouter.Placement.Balancing;

/// <summary>
/// nginx's smooth weighted round-robin (<c>ngx_http_upstream_get_peer</c>): each pick adds every
/// eligible peer's weight to its current weight, takes the peer with the highest current weight
/// (the first on a tie) and subtracts the eligible peers' total from it. Weights 5:1:1 give
/// a a b a c a a — spread out, not a a a a a b c. A peer of weight 0 is never picked.
/// </summary>
/// <remarks>
/// Weights are kept as integers (thousandths) so that the sequence is exact and repeats with period
/// sum(weights). One pick takes a short lock and allocates nothing; the eligibility test (open
/// circuit, already tried, not serving) is the caller's, as nginx skips down and tried peers.
/// </remarks>
public sealed class SmoothWeightedRoundRobin
{
    private readonly long[] _weights;
    private readonly long[] _current;
    private readonly object _gate = new();

    public SmoothWeightedRoundRobin(IReadOnlyList<double> weights)
    {
        _weights = new long[weights.Count];
        _current = new long[weights.Count];
        for (var i = 0; i < weights.Count; i++)
        {
            if (double.IsNaN(weights[i]) || weights[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(weights), $"weight {weights[i]} of peer {i} is not a number >= 0");
            _weights[i] = (long)Math.Round(weights[i] * 1000);
        }
    }

    /// <summary>Number of peers (eligible or not).</summary>
    public int Count => _weights.Length;

    /// <summary>The next peer of every peer with a weight; -1 when none has one.</summary>
    public int Next() => Next(0, static (_, _) => true);

    /// <summary>
    /// The next peer among those <paramref name="eligible"/> accepts (given <paramref name="state"/>
    /// and the peer's index); -1 when no peer with a weight is eligible.
    /// </summary>
    public int Next<TState>(TState state, Func<TState, int, bool> eligible)
    {
        lock (_gate)
        {
            var best = -1;
            long total = 0;
            for (var i = 0; i < _weights.Length; i++)
            {
                if (_weights[i] == 0 || !eligible(state, i))
                    continue;
                _current[i] += _weights[i];
                total += _weights[i];
                if (best < 0 || _current[i] > _current[best])
                    best = i;
            }
            if (best >= 0)
                _current[best] -= total;
            return best;
        }
    }
}
