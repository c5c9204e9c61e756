using System.Diagnostics;
using System.Globalization;
using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>The counters one cache service reports on /metrics.</summary>
public readonly record struct ServiceCounters(long Hits, long Requests, long CrossZone)
{
    public static ServiceCounters operator -(ServiceCounters a, ServiceCounters b) =>
        new(a.Hits - b.Hits, a.Requests - b.Requests, a.CrossZone - b.CrossZone);

    public static ServiceCounters operator +(ServiceCounters a, ServiceCounters b) =>
        new(a.Hits + b.Hits, a.Requests + b.Requests, a.CrossZone + b.CrossZone);
}

/// <summary>
/// One tests/AkkaRouter.CacheService process (an HTTP service with an LRU cache whose misses cost
/// time), started on a free port of 127.0.0.1; killed with SIGKILL as a crash, restarted cold.
/// </summary>
public sealed class FleetService : IAsyncDisposable
{
    private static readonly HttpClient Admin = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Process? _process;
    private ServiceCounters _lastRead;

    public FleetService(string name, string zone, int capacity, FleetShape shape)
    {
        Name = name;
        Zone = zone;
        Capacity = capacity;
        Shape = shape;
        Port = FreePorts.Next();
    }

    public string Name { get; }
    public string Zone { get; }
    public int Capacity { get; }
    public FleetShape Shape { get; }
    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public bool Running => _process is { HasExited: false };

    /// <summary>The apphost built beside the tests (the project reference copies it).</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "AkkaRouter.CacheService");

    public async Task Start()
    {
        var info = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     "--name", Name, "--port", Port.ToString(CultureInfo.InvariantCulture), "--zone", Zone,
                     "--capacity", Capacity.ToString(CultureInfo.InvariantCulture),
                     "--miss-ms", Shape.MissMs.ToString(CultureInfo.InvariantCulture),
                     "--cross-zone-ms", Shape.CrossZoneMs.ToString(CultureInfo.InvariantCulture),
                 })
            info.ArgumentList.Add(arg);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _lastRead = default;
        await Eventually.True(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"cache service {Name} exited with {_process.ExitCode} at start");
            try { return (await Admin.GetAsync($"http://{Endpoint}/healthz")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30), $"cache service {Name} answering /healthz");
    }

    /// <summary>A cold cache of <paramref name="capacity"/> keys, <paramref name="slowMs"/> added to every request.</summary>
    public async Task Reset(int capacity, int slowMs)
    {
        using var response = await Admin.PostAsync($"http://{Endpoint}/admin/reset?capacity={capacity}&slow-ms={slowMs}", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The service's counters; for a crashed service, the last ones read before the crash.</summary>
    public async Task<ServiceCounters> Counters()
    {
        if (!Running)
            return _lastRead;
        var text = await Admin.GetStringAsync($"http://{Endpoint}/metrics");
        long Read(string name) => long.Parse(text.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);
        _lastRead = new ServiceCounters(Read("cache_hits_total"), Read("cache_requests_total"), Read("cross_zone_requests_total"));
        return _lastRead;
    }

    /// <summary>SIGKILL (a crash), after reading its counters one last time.</summary>
    public async Task Crash()
    {
        await Counters();
        _process?.Kill();
        if (_process is not null)
            await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}
