using AkkaRouter.Resp.Commands;
using Prometheus;

namespace AkkaRouter.Metrics;

/// <summary>
/// Sums every connection's <see cref="RespBatchCounts"/> into the Prometheus counters at scrape
/// time (a before-collect callback), plus what closed connections counted.
/// </summary>
public sealed class RespCommandStats
{
    private readonly Lock _lock = new();
    private readonly HashSet<RespBatchCounts> _live = new(ReferenceEqualityComparer.Instance);
    private readonly long[] _closedOk = new long[CommandTable.All.Length + 1];
    private readonly long[] _closedErrors = new long[CommandTable.All.Length + 1];
    private long _closedHits;
    private long _closedEmpty;
    private readonly Histogram _batchDuration;

    public RespCommandStats(RouterMetrics metrics)
    {
        _batchDuration = metrics.RespBatchDuration;
        var names = CommandTable.All.Select(c => c.Name).Append("unknown").ToArray();
        var ok = names.Select(n => metrics.RespCommands.WithLabels(n, "ok")).ToArray();
        var errors = names.Select(n => metrics.RespCommands.WithLabels(n, "error")).ToArray();
        var hits = metrics.Lookups.WithLabels("hit");
        var empty = metrics.Lookups.WithLabels("empty");
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            var (okTotals, errorTotals, hitTotal, emptyTotal) = Totals();
            for (var i = 0; i < names.Length; i++)
            {
                if (okTotals[i] > 0) ok[i].IncTo(okTotals[i]);
                if (errorTotals[i] > 0) errors[i].IncTo(errorTotals[i]);
            }
            hits.IncTo(hitTotal);
            empty.IncTo(emptyTotal);
        });
    }

    internal void Register(RespBatchCounts counts)
    {
        lock (_lock) _live.Add(counts);
    }

    internal void Unregister(RespBatchCounts counts)
    {
        lock (_lock)
        {
            if (!_live.Remove(counts))
                return;
            for (var i = 0; i < _closedOk.Length; i++)
            {
                _closedOk[i] += counts.Ok[i];
                _closedErrors[i] += counts.Errors[i];
            }
            _closedHits += counts.Hits;
            _closedEmpty += counts.Empty;
        }
    }

    internal void ObserveBatch(double seconds) => _batchDuration.Observe(seconds);

    // Live connections' counters are read without synchronisation: 64-bit reads are atomic here, and
    // a scrape may see a count a few commands old, never a torn or decreasing one (IncTo ignores lower values).
    private (long[] Ok, long[] Errors, long Hits, long Empty) Totals()
    {
        lock (_lock)
        {
            var ok = (long[])_closedOk.Clone();
            var errors = (long[])_closedErrors.Clone();
            long hits = _closedHits, empty = _closedEmpty;
            foreach (var live in _live)
            {
                for (var i = 0; i < ok.Length; i++)
                {
                    ok[i] += Volatile.Read(ref live.Ok[i]);
                    errors[i] += Volatile.Read(ref live.Errors[i]);
                }
                hits += Volatile.Read(ref live.Hits);
                empty += Volatile.Read(ref live.Empty);
            }
            return (ok, errors, hits, empty);
        }
    }
}
