using AkkaRouter.Tests.Support;
using System.Collections.Concurrent;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// Continuous RESP lookups against one router: each connection pipelines GETs of random keys and
/// checks every reply. A failure is any error reply, nil, exception or closed connection.
/// </summary>
public sealed class LookupLoad : IAsyncDisposable
{
    private const int Pipeline = 16;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private long _answers;

    private LookupLoad()
    {
    }

    /// <summary>Per owner endpoint: when the last answer naming it arrived.</summary>
    public ConcurrentDictionary<string, DateTime> LastAnswered { get; } = new(StringComparer.Ordinal);

    public long Answers => Interlocked.Read(ref _answers);
    public int FailureCount => _failures.Count;
    public string FailureSample => string.Join('\n', _failures.Take(10));

    public static LookupLoad Start(ClusterNode router, int connections = 1)
    {
        var load = new LookupLoad();
        for (var c = 0; c < connections; c++)
            load._loops.Add(Task.Run(() => load.Loop(router, c)));
        return load;
    }

    private async Task Loop(ClusterNode router, int seed)
    {
        var random = new Random(seed);
        var keys = new string[Pipeline];
        RawRespClient? client = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                client ??= await RawRespClient.Connect(router.Spec.Host, router.RespPort);
                var frames = new List<byte>();
                for (var i = 0; i < Pipeline; i++)
                {
                    keys[i] = $"/load/{random.Next()}";
                    frames.AddRange(RawRespClient.Encode("GET", keys[i]));
                }
                await client.Send(frames.ToArray());
                for (var i = 0; i < Pipeline; i++)
                {
                    var reply = await client.ReadReply();
                    var at = DateTime.UtcNow;
                    if (reply is string owner)
                    {
                        LastAnswered[owner] = at;
                        Interlocked.Increment(ref _answers);
                    }
                    else
                    {
                        _failures.Enqueue($"{at:HH:mm:ss.fff} GET {keys[i]} on {router.Name} answered {reply ?? "(nil)"}");
                    }
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} lookup on {router.Name} failed: {e.GetType().Name}: {e.Message}");
                if (client is not null)
                    await client.DisposeAsync();
                client = null;
                await Task.Delay(50);
            }
            catch (Exception)
            {
                break;
            }
        }
        if (client is not null)
            await client.DisposeAsync();
    }

    /// <summary>Waits until at least <paramref name="count"/> more lookups were answered (the load is really running).</summary>
    public Task AnsweredAtLeast(long count, TimeSpan timeout)
    {
        var target = Answers + count;
        return Eventually.True(() => Answers >= target || FailureCount > 0, timeout, $"{count} lookups answered");
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
