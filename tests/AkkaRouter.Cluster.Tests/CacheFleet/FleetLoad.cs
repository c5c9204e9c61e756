using System.Diagnostics;
using System.Net;

namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>One front a zone's clients send to: a router's HTTP edge or an nginx listener.</summary>
public sealed record FleetFront(string Zone, string BaseUrl);

/// <summary>What the load saw over a window: latencies from each request's scheduled send time.</summary>
public sealed record LoadWindow(long Sent, long Ok, long Errors, double P50Ms, double P99Ms, double CrossZoneFraction,
    double KeysMovedFraction, IReadOnlyDictionary<string, long> ServedBy, string? FirstError, string SlowSeconds,
    double GeneratorStallMs);

/// <summary>
/// An open-loop load generator: each zone's clients send Zipf-distributed keys to their zone's front
/// at a fixed rate, each request with X-Client-Zone naming the zone. A request's latency counts from
/// the moment it was due, so a stalled front shows up in the tail (no coordinated omission). Requests
/// that would exceed the in-flight cap are counted as errors, never silently skipped.
/// </summary>
public sealed class FleetLoad : IAsyncDisposable
{
    private const int MaxInFlightPerFront = 1024;
    private readonly IReadOnlyList<FleetFront> _fronts;
    private readonly ZipfKeys _keys;
    private readonly double _ratePerFront;
    private readonly Func<string, string?> _zoneOfBackend;
    private readonly HttpClient[] _clients;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task[] _loops;

    // Per (front, key): the backend that last served it, and whether that changed in the window.
    private readonly int[] _lastBackend;
    private readonly byte[] _moved;
    private readonly Dictionary<string, int> _backendIds = new(StringComparer.Ordinal);
    private readonly List<string> _backendNames = new();

    private readonly object _gate = new();
    private List<Sample> _samples = new(1 << 16);
    private string? _firstError;
    private long _windowStartTicks;
    private long _maxGapTicks;

    private readonly record struct Sample(float LatencyMs, float AtSeconds, short Backend, byte Front, bool Ok);

    public FleetLoad(IReadOnlyList<FleetFront> fronts, ZipfKeys keys, double ratePerFront, Func<string, string?> zoneOfBackend, int seed)
    {
        _fronts = fronts;
        _keys = keys;
        _ratePerFront = ratePerFront;
        _zoneOfBackend = zoneOfBackend;
        _lastBackend = Enumerable.Repeat(-1, fronts.Count * keys.Count).ToArray();
        _moved = new byte[fronts.Count * keys.Count];
        _clients = fronts.Select(_ => new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = MaxInFlightPerFront,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        }) { Timeout = TimeSpan.FromSeconds(10) }).ToArray();
        // The test host blocks pool threads now and then (measured: with the default minimum, the send
        // loops' 1 ms timers fired 0.6-1 s late every 10-20 s while the CPUs were idle, until the pool
        // injected threads). A generator must not depend on thread injection: keep threads ready.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), io);
        _loops = fronts.Select((_, i) => Task.Run(() => Loop(i, new Random(seed + i)))).ToArray();
    }

    /// <summary>Starts a new measurement window: later results only (keys-moved flags cleared).</summary>
    public void StartWindow()
    {
        lock (_gate)
        {
            _samples = new List<Sample>(1 << 16);
            _firstError = null;
            Array.Clear(_moved);
            _windowStartTicks = _clock.ElapsedTicks;
            Interlocked.Exchange(ref _maxGapTicks, 0);
        }
    }

    /// <summary>What the window since <see cref="StartWindow"/> saw.</summary>
    public LoadWindow Window()
    {
        Sample[] samples;
        string? firstError;
        lock (_gate)
        {
            samples = _samples.ToArray();
            firstError = _firstError;
        }
        var ok = samples.Where(s => s.Ok).ToArray();
        var latencies = ok.Select(s => (double)s.LatencyMs).Order().ToArray();
        double At(double q) => latencies.Length == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Length - 1, Math.Ceiling(q * latencies.Length) - 1)];
        string[] names;
        lock (_backendIds)
            names = _backendNames.ToArray();
        var cross = ok.Count(s => _zoneOfBackend(names[s.Backend]) is { } zone && zone != _fronts[s.Front].Zone);
        var seen = 0;
        var moved = 0;
        for (var i = 0; i < _lastBackend.Length; i++)
        {
            if (Volatile.Read(ref _lastBackend[i]) >= 0)
                seen++;
            if (Volatile.Read(ref _moved[i]) != 0)
                moved++;
        }
        var servedBy = ok.GroupBy(s => names[s.Backend]).ToDictionary(g => g.Key, g => (long)g.Count());
        // Where the tail came from: requests slower than 250 ms, by second of the window.
        var slow = string.Join(' ', ok.Where(s => s.LatencyMs > 250).GroupBy(s => (int)s.AtSeconds).OrderBy(g => g.Key)
            .Select(g => $"{g.Key}s:{g.Count()}"));
        return new LoadWindow(samples.Length, ok.Length, samples.Length - ok.Length, At(0.5), At(0.99),
            ok.Length == 0 ? 0 : (double)cross / ok.Length, seen == 0 ? 0 : (double)moved / seen, servedBy, firstError, slow,
            Interlocked.Read(ref _maxGapTicks) * 1000.0 / Stopwatch.Frequency);
    }

    private async Task Loop(int front, Random random)
    {
        var client = _clients[front];
        var inFlight = 0;
        long sent = 0;
        var started = _clock.ElapsedTicks;
        var ticksPerRequest = Stopwatch.Frequency / _ratePerFront;
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)((_clock.ElapsedTicks - started) / ticksPerRequest);
            for (; sent < due; sent++)
            {
                var scheduled = started + (long)(sent * ticksPerRequest);
                var rank = _keys.Next(random);
                if (Volatile.Read(ref inFlight) >= MaxInFlightPerFront)
                {
                    Record(front, rank, scheduled, null, "load generator: more than 1024 requests in flight at one front");
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                _ = Send(client, front, rank, scheduled).ContinueWith(_ => Interlocked.Decrement(ref inFlight), TaskScheduler.Default);
            }
            var before = _clock.ElapsedTicks;
            try { await Task.Delay(1, _stop.Token); }
            catch (OperationCanceledException) { }
            var gap = _clock.ElapsedTicks - before;
            if (gap > Interlocked.Read(ref _maxGapTicks))
                Interlocked.Exchange(ref _maxGapTicks, gap);
        }
    }

    private async Task Send(HttpClient client, int front, int rank, long scheduled)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _fronts[front].BaseUrl + _keys.Path(rank));
            request.Headers.Add("X-Client-Zone", _fronts[front].Zone);
            using var response = await client.SendAsync(request, _stop.Token);
            var body = await response.Content.ReadAsStringAsync(_stop.Token);
            if (response.StatusCode == HttpStatusCode.OK)
                Record(front, rank, scheduled, body, null);
            else
                Record(front, rank, scheduled, null, $"{(int)response.StatusCode} {body.Trim()}");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Record(front, rank, scheduled, null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private void Record(int front, int rank, long scheduled, string? backend, string? error)
    {
        var latency = (float)((_clock.ElapsedTicks - scheduled) * 1000.0 / Stopwatch.Frequency);
        short id = -1;
        if (backend is not null)
        {
            lock (_backendIds)
            {
                if (!_backendIds.TryGetValue(backend, out var known))
                {
                    known = _backendNames.Count;
                    _backendIds[backend] = known;
                    _backendNames.Add(backend);
                }
                id = (short)known;
            }
            var slot = front * _keys.Count + rank;
            var previous = Interlocked.Exchange(ref _lastBackend[slot], id);
            if (previous >= 0 && previous != id)
                Volatile.Write(ref _moved[slot], 1);
        }
        lock (_gate)
        {
            if (scheduled < _windowStartTicks)
                return;
            var at = (float)((scheduled - _windowStartTicks) / (double)Stopwatch.Frequency);
            _samples.Add(new Sample(latency, at, id, (byte)front, backend is not null));
            if (error is not null)
                _firstError ??= error;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var client in _clients)
            client.Dispose();
        _stop.Dispose();
    }
}
