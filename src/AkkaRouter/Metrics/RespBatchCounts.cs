using System.Diagnostics;
using AkkaRouter.Resp.Commands;

namespace AkkaRouter.Metrics;

/// <summary>
/// One connection's command and lookup counts: plain increments by the connection's own I/O loop,
/// read by <see cref="RespCommandStats"/> when /metrics is scraped, so counting a GET costs two
/// array increments and no shared-memory traffic.
/// </summary>
internal sealed class RespBatchCounts : IDisposable
{
    // The batch histogram times one read batch in this many: timing costs two clock reads, and a
    // sample describes the distribution as well as the whole.
    private const int TimingSample = 16;

    private readonly RespCommandStats _stats;
    private long _batches;
    private long _batchStarted;

    public RespBatchCounts(RespCommandStats stats)
    {
        _stats = stats;
        stats.Register(this);
    }

    /// <summary>Index = position in CommandTable.All; the last slot counts unknown commands.</summary>
    public long[] Ok { get; } = new long[CommandTable.All.Length + 1];

    public long[] Errors { get; } = new long[CommandTable.All.Length + 1];

    public long Hits;
    public long Empty;

    public static int UnknownCommand => CommandTable.All.Length;

    public void BatchStarted()
    {
        if (++_batches % TimingSample == 0)
            _batchStarted = Stopwatch.GetTimestamp();
    }

    public void BatchDone()
    {
        if (_batchStarted == 0)
            return;
        _stats.ObserveBatch(Stopwatch.GetElapsedTime(_batchStarted).TotalSeconds);
        _batchStarted = 0;
    }

    public void Answered(int command, bool ok)
    {
        if (ok) Ok[command]++;
        else Errors[command]++;
    }

    /// <summary>A GET answered: an owner (ok, hit) or the empty-ring error (error, empty).</summary>
    public void Get(bool hit)
    {
        if (hit)
        {
            Ok[CommandTable.Get]++;
            Hits++;
        }
        else
        {
            Errors[CommandTable.Get]++;
            Empty++;
        }
    }

    public void Lookup(bool hit)
    {
        if (hit) Hits++;
        else Empty++;
    }

    /// <summary>Hands this connection's totals to the node's closed-connection totals.</summary>
    public void Dispose() => _stats.Unregister(this);
}
