namespace AkkaRouter.Dashboard;

/// <summary>
/// The dashboard's latest state document (UTF-8 JSON) with a sequence number, and a wait for the next one: the
/// <see cref="DashboardActor"/> publishes, every open stream (server-sent events) awaits.
/// </summary>
public sealed class DashboardFeed
{
    private Published _current = new("{}"u8.ToArray(), 0);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The latest document and its sequence number (0 before the first).</summary>
    public (byte[] Json, long Sequence) Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            return (current.Json, current.Sequence);
        }
    }

    /// <summary>Completes when a document after <paramref name="sequence"/> is published (at once if there is one).</summary>
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
}
