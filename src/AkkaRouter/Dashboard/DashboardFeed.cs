namespace AkkaRouter.Dashboard;

/// <summary>
/// The dashboard's latest state document (UTF-8 JSON) with a sequence number, and a wait for the next one: the
/// <see cref="DashboardActor"/> publishes, every open stream (server-sent events) awaits.
/// </summary>
/// <remarks>
/// The document is built only while someone watches: an open stream, or a read of it within
/// <see cref="WatchWindow"/>. Building it asks every router for its ring summary once a second, which on every node
/// of a cluster nobody looks at was most of an idle node's work.
/// </remarks>
public sealed class DashboardFeed
{
    /// <summary>How long one read of the document keeps it being rebuilt every second.</summary>
    public static readonly TimeSpan WatchWindow = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan FreshWithin = TimeSpan.FromSeconds(3);

    private Published _current = new("{}"u8.ToArray(), 0);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _watchedUntil = long.MinValue;
    private int _streams;

    /// <summary>True while a stream is open or the document was read within <see cref="WatchWindow"/>.</summary>
    public bool Watched => Volatile.Read(ref _streams) > 0 || Environment.TickCount64 < Volatile.Read(ref _watchedUntil);

    /// <summary>Keeps the document rebuilt every second for <see cref="WatchWindow"/> from now.</summary>
    public void Watch() => Volatile.Write(ref _watchedUntil, Environment.TickCount64 + (long)WatchWindow.TotalMilliseconds);

    /// <summary>Marks a stream open until the returned handle is disposed.</summary>
    public IDisposable OpenStream()
    {
        Interlocked.Increment(ref _streams);
        return new StreamHandle(this);
    }

    /// <summary>
    /// The document for a reader: when nobody was watching, it waits (up to 3 s) for two new documents, the first
    /// with the routers' summaries asked again, the second with their answers; otherwise the latest at once.
    /// </summary>
    public async Task<byte[]> Read(CancellationToken cancel)
    {
        var wasWatched = Watched;
        Watch();
        if (!wasWatched)
        {
            var start = Current.Sequence;
            using var within = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            within.CancelAfter(FreshWithin);
            try
            {
                // Next completes on the next document only, whatever sequence it is given: wait for two.
                while (Current.Sequence < start + 2)
                    await Next(Current.Sequence, within.Token);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                // Not rebuilt in time (a stopping node): the latest document it has.
            }
        }
        return Current.Json;
    }

    /// <summary>The latest document and its sequence number (0 before the first).</summary>
    public (byte[] Json, long Sequence) Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return (current.Json, current.Sequence);
        }
    }

    /// <summary>
    /// Completes when a document after <paramref name="sequence"/> is published (at once if there is one); when
    /// <paramref name="sequence"/> is behind by more than one, it still completes on the next document only.
    /// </summary>
    public Task Next(long sequence, CancellationToken cancel)
    {
        var next = Volatile.Read(ref _next);
        return Current.Sequence > sequence ? Task.CompletedTask : next.Task.WaitAsync(cancel);
    }

    internal void Publish(byte[] json)
    {
        var sequence = Current.Sequence + 1;
        Volatile.Write(ref _current, new Published(json, sequence));
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private sealed record Published(byte[] Json, long Sequence);

    private sealed class StreamHandle(DashboardFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref feed._streams);
        }
    }
}
