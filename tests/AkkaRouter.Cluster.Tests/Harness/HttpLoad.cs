using System.Collections.Concurrent;
using System.Net;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>One HTTP request of an <see cref="HttpLoad"/>: when it was sent and answered, and who served it.</summary>
/// <param name="Key">Index into the load's keys (the request path is the key).</param>
/// <param name="ServedBy">The backend service named in the body; null on a failure.</param>
/// <param name="Tried">The backends the edge tried, in order (X-AkkaRouter-Backend); empty when not sent.</param>
public sealed record HttpResult(DateTime Sent, DateTime At, string Router, int Key, bool Ok, string? ServedBy, string[] Tried, string? Failure);

/// <summary>
/// Continuous HTTP GETs through routers' HTTP edges: each client loop sends one request at a time for a
/// random key (the path) to its router. A failure is any non-2xx status, a body that does not name a
/// backend serving that path, or an exception (timeouts included). Every request is recorded.
/// </summary>
public sealed class HttpLoad : IAsyncDisposable
{
    /// <summary>Longer than any failover the edge does (3 attempts, connect timeout 3 s): a hung request is a failure.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = new();
    private readonly ConcurrentQueue<HttpResult> _results = new();
    private readonly IReadOnlyList<string> _keys;
    private readonly HttpClient _client;
    private long _answers;
    private long _sent;
    private int _failures;

    private HttpLoad(IReadOnlyList<string> keys)
    {
        _keys = keys;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, MaxConnectionsPerServer = int.MaxValue })
        {
            Timeout = RequestTimeout,
        };
    }

    public IReadOnlyList<string> Keys => _keys;
    public long Sent => Interlocked.Read(ref _sent);
    public long Answers => Interlocked.Read(ref _answers);
    public int FailureCount => Volatile.Read(ref _failures);
    public IReadOnlyList<HttpResult> Results => _results.ToArray();
    public string FailureSample => string.Join('\n', _results.Where(r => !r.Ok).Take(10)
        .Select(r => $"{r.At:HH:mm:ss.fff} GET {_keys[r.Key]} on {r.Router} (sent {r.Sent:HH:mm:ss.fff}, tried [{string.Join(", ", r.Tried)}]): {r.Failure}"));

    /// <summary>Starts <paramref name="clientsPerRouter"/> client loops against each router's HTTP edge, over <paramref name="keys"/>.</summary>
    public static HttpLoad Start(IEnumerable<ClusterNode> routers, IReadOnlyList<string> keys, int clientsPerRouter = 2) =>
        Start(routers.Select(r => (r.Name, $"http://{r.Spec.Host}:{r.HttpPort}")), keys, clientsPerRouter);

    /// <summary>Starts client loops against any HTTP fronts (a router's edge, the nginx front), each named for the results.</summary>
    public static HttpLoad Start(IEnumerable<(string Name, string BaseUrl)> fronts, IReadOnlyList<string> keys, int clientsPerFront = 2)
    {
        var load = new HttpLoad(keys);
        var seed = 0;
        foreach (var (name, baseUrl) in fronts)
        {
            for (var c = 0; c < clientsPerFront; c++)
            {
                var s = ++seed;
                load._loops.Add(Task.Run(() => load.Loop(name, baseUrl.TrimEnd('/'), s)));
            }
        }
        return load;
    }

    /// <summary>One GET of <paramref name="path"/> through <paramref name="router"/>'s edge: status and body (for spot checks).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> Get(ClusterNode router, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = RequestTimeout };
        using var response = await client.GetAsync($"http://{router.Spec.Host}:{router.HttpPort}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task Loop(string front, string baseUrl, int seed)
    {
        var random = new Random(seed);
        while (!_stop.IsCancellationRequested)
        {
            var key = random.Next(_keys.Count);
            var path = _keys[key];
            var sent = DateTime.UtcNow;
            Interlocked.Increment(ref _sent);
            try
            {
                using var response = await _client.GetAsync(baseUrl + path, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                var at = DateTime.UtcNow;
                var tried = response.Headers.TryGetValues("X-AkkaRouter-Backend", out var values)
                    ? string.Join(", ", values).Split(", ", StringSplitOptions.RemoveEmptyEntries)
                    : [];
                var parts = body.TrimEnd('\n').Split(' ');
                if (response.IsSuccessStatusCode && parts.Length == 3 && parts[1] == "GET" && parts[2] == path)
                {
                    _results.Enqueue(new HttpResult(sent, at, front, key, true, parts[0], tried, null));
                    Interlocked.Increment(ref _answers);
                }
                else
                {
                    Fail(new HttpResult(sent, at, front, key, false, null, tried, $"{(int)response.StatusCode} {body.Trim()}"));
                }
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                Fail(new HttpResult(sent, DateTime.UtcNow, front, key, false, null, [], $"{e.GetType().Name}: {e.GetBaseException().Message}"));
                await Task.Delay(20);
            }
            catch (Exception)
            {
                // stopped mid-request: not counted
                Interlocked.Decrement(ref _sent);
                break;
            }
        }
    }

    private void Fail(HttpResult result)
    {
        _results.Enqueue(result);
        Interlocked.Increment(ref _failures);
    }

    /// <summary>Waits until at least <paramref name="count"/> more requests were answered (the load is really running).</summary>
    public Task AnsweredAtLeast(long count, TimeSpan timeout)
    {
        var target = Answers + count;
        return Eventually.True(() => Answers >= target || FailureCount > 0, timeout, $"{count} HTTP requests answered");
    }

    /// <summary>Requests answered by each backend service, by name.</summary>
    public IReadOnlyDictionary<string, int> ServedBy() =>
        Results.Where(r => r.Ok).GroupBy(r => r.ServedBy!).ToDictionary(g => g.Key, g => g.Count());

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            await Task.WhenAll(_loops);
        }
        _client.Dispose();
        _stop.Dispose();
    }

    /// <summary>Stops sending; the results stay readable.</summary>
    public async Task Stop()
    {
        _stop.Cancel();
        await Task.WhenAll(_loops);
    }
}
