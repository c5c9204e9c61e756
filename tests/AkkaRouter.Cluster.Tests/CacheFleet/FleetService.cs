using System.Collections.Concurrent;
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
/// time), started on a free port of 127.0.0.1; killed with SIGKILL as a crash, restarted cold on the same port.
/// The service cannot report a port it picked, so the port is picked up front: when another socket takes it before
/// the first start binds it, the service starts on another one (nothing advertises it yet). A restart must keep the
/// port (fronts name it): a collision there fails naming the port.
/// </summary>
public sealed class FleetService : IAsyncDisposable
{
    private static readonly HttpClient Admin = new() { Timeout = TimeSpan.FromSeconds(5) };
    /// <summary>How many ports the first start tries when the one picked is taken before the service binds it.</summary>
    private const int PortAttempts = 5;

    private Process? _process;
    private ServiceCounters _lastRead;
    private bool _started;

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
    public int Port { get; private set; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public bool Running => _process is { HasExited: false };

    /// <summary>The apphost built beside the tests (the project reference copies it).</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "AkkaRouter.CacheService");

    public async Task Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOn(Port);
                _started = true;
                return;
            }
            catch (PortTakenException) when (!_started && attempt < PortAttempts)
            {
                Port = FreePorts.Next();
            }
        }
    }

    private async Task StartOn(int port)
    {
        var output = new ConcurrentQueue<string>();
        var info = new ProcessStartInfo(Executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     "--name", Name, "--port", port.ToString(CultureInfo.InvariantCulture), "--zone", Zone,
                     "--capacity", Capacity.ToString(CultureInfo.InvariantCulture),
                     "--miss-ms", Shape.MissMs.ToString(CultureInfo.InvariantCulture),
                     "--cross-zone-ms", Shape.CrossZoneMs.ToString(CultureInfo.InvariantCulture),
                 })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        AkkaRouter.Tests.Support.ChildProcesses.Track(process);
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _lastRead = default;
        // Ready once it printed that it listens: a /healthz answer alone could come from whichever socket took the port.
        await Eventually.True(() => process.HasExited || output.Any(l => l.Contains($"listening on 127.0.0.1:{port}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"cache service {Name} listening");
        if (process.HasExited)
        {
            await process.WaitForExitAsync(); // drains the output readers
            AkkaRouter.Tests.Support.ChildProcesses.Forget(process);
            var text = string.Join('\n', output);
            if (text.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                throw new PortTakenException($"cache service {Name}: port {port} was taken before it bound it:\n{text}");
            throw new InvalidOperationException($"cache service {Name} exited with {process.ExitCode} at start:\n{text}");
        }
        await Eventually.True(async () =>
        {
            try { return (await Admin.GetAsync($"http://{Endpoint}/healthz")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30), $"cache service {Name} answering /healthz");
    }

    private sealed class PortTakenException(string message) : Exception(message);

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
        {
            await _process.WaitForExitAsync();
            AkkaRouter.Tests.Support.ChildProcesses.Forget(_process);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        if (_process is not null)
            AkkaRouter.Tests.Support.ChildProcesses.Forget(_process);
        _process?.Dispose();
    }
}
