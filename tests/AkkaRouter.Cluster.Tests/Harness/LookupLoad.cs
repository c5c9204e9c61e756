using AkkaRouter.Tests.Support;
using System.Collections.Concurrent;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>One answered lookup of a <see cref="LookupLoad"/>: when its pipeline was sent, when the answer arrived, the key and the owner named.</summary>
/// <param name="Key">Index into the load's keys; -1 for a random key of its own.</param>
public sealed record LookupAnswer(DateTime Sent, DateTime At, int Key, string Owner);

/// <summary>
/// Continuous RESP lookups against one router: each connection pipelines GETs of random keys (its own random
/// sequence, from a seed of its own) and checks every reply. A failure is any error reply, nil, exception or
/// closed connection, and, where the test gives the expected owner of each key, an answer naming another.
/// Every answer is recorded, so a test can count those that landed in a window.
/// </summary>
public sealed class LookupLoad : IAsyncDisposable
{
    private const int Pipeline = 16;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<LookupAnswer> _answered = new();
    private readonly IReadOnlyList<string>? _keys;
    private readonly Func<int, string, bool>? _expected;
    private long _answers;

    private LookupLoad(IReadOnlyList<string>? keys, Func<int, string, bool>? expected)
    {
        _keys = keys;
        _expected = expected;
    }

    /// <summary>Per owner endpoint: when the last answer naming it arrived.</summary>
    public ConcurrentDictionary<string, DateTime> LastAnswered { get; } = new(StringComparer.Ordinal);

    /// <summary>Every answer so far.</summary>
    public IReadOnlyList<LookupAnswer> Answered => _answered.ToArray();

    public long Answers => Interlocked.Read(ref _answers);
    public int FailureCount => _failures.Count;
    public string FailureSample => string.Join('\n', _failures.Take(10));

    /// <summary>
    /// Starts <paramref name="connections"/> connections to <paramref name="router"/>, each with a seed of its own.
    /// With <paramref name="keys"/> the lookups draw from them; <paramref name="expected"/> (key index, owner) says
    /// which answers are right, any other is a failure.
    /// </summary>
    public static LookupLoad Start(ClusterNode router, int connections = 1, IReadOnlyList<string>? keys = null, Func<int, string, bool>? expected = null)
    {
        var load = new LookupLoad(keys, expected);
        for (var c = 0; c < connections; c++)
        {
            var seed = Random.Shared.Next();
            load._loops.Add(Task.Run(() => load.Loop(router, seed)));
        }
        return load;
    }

    private async Task Loop(ClusterNode router, int seed)
    {
        var random = new Random(seed);
        var keys = new string[Pipeline];
        var indexes = new int[Pipeline];
        RawRespClient? client = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                client ??= await RawRespClient.Connect(router.Spec.Host, router.RespPort);
                var frames = new List<byte>();
                for (var i = 0; i < Pipeline; i++)
                {
                    indexes[i] = _keys is null ? -1 : random.Next(_keys.Count);
                    keys[i] = _keys is null ? $"/load/{random.Next()}" : _keys[indexes[i]];
                    frames.AddRange(RawRespClient.Encode("GET", keys[i]));
                }
                var sent = DateTime.UtcNow;
                await client.Send(frames.ToArray());
                for (var i = 0; i < Pipeline; i++)
                {
                    var reply = await client.ReadReply();
                    var at = DateTime.UtcNow;
                    if (reply is string owner && (_expected is null || _expected(indexes[i], owner)))
                    {
                        LastAnswered[owner] = at;
                        _answered.Enqueue(new LookupAnswer(sent, at, indexes[i], owner));
                        Interlocked.Increment(ref _answers);
                    }
                    else
                    {
                        _failures.Enqueue($"{at:HH:mm:ss.fff} GET {keys[i]} on {router.Name} (connection seed {seed}) answered {reply ?? "(nil)"}" +
                            (reply is string ? ", not the expected owner" : ""));
                    }
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _failures.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} lookup on {router.Name} (connection seed {seed}) failed: {e.GetType().Name}: {e.Message}");
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
