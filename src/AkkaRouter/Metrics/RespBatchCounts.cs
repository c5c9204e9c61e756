using System.Diagnostics;
using AkkaRouter.Resp.Commands;
using Prometheus;

namespace AkkaRouter.Metrics;

/// <summary>
/// Per-connection counts of one read batch, flushed into <see cref="RouterMetrics"/> once per batch
/// so that pipelined GETs cost a plain array increment each, not an interlocked update.
/// </summary>
internal sealed class RespBatchCounts(RouterMetrics metrics)
{
    // Index = position in CommandTable.All; one more slot for unknown commands.
    private readonly long[] _ok = new long[CommandTable.All.Length + 1];
    private readonly long[] _error = new long[CommandTable.All.Length + 1];
    private readonly Counter.Child[] _okCounters = Children(metrics, "ok");
    private readonly Counter.Child[] _errorCounters = Children(metrics, "error");
    private readonly Counter.Child _hits = metrics.Lookups.WithLabels("hit");
    private readonly Counter.Child _empty = metrics.Lookups.WithLabels("empty");
    private readonly Histogram _batchDuration = metrics.RespBatchDuration;
    private long _hitCount;
    private long _emptyCount;
    private long _batchStarted;

    public static int UnknownCommand => CommandTable.All.Length;

    public void BatchStarted() => _batchStarted = Stopwatch.GetTimestamp();

    public void Answered(int command, bool ok)
    {
        if (ok) _ok[command]++;
        else _error[command]++;
    }

    public void Lookup(bool hit)
    {
        if (hit) _hitCount++;
        else _emptyCount++;
    }

    public void Flush()
    {
        _batchDuration.Observe(Stopwatch.GetElapsedTime(_batchStarted).TotalSeconds);
        for (var i = 0; i < _ok.Length; i++)
        {
            if (_ok[i] != 0) { _okCounters[i].Inc(_ok[i]); _ok[i] = 0; }
            if (_error[i] != 0) { _errorCounters[i].Inc(_error[i]); _error[i] = 0; }
        }
        if (_hitCount != 0) { _hits.Inc(_hitCount); _hitCount = 0; }
        if (_emptyCount != 0) { _empty.Inc(_emptyCount); _emptyCount = 0; }
    }

    private static Counter.Child[] Children(RouterMetrics metrics, string result) =>
        CommandTable.All.Select(c => c.Name).Append("unknown")
            .Select(name => metrics.RespCommands.WithLabels(name, result))
            .ToArray();
}
