using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// The HTTP service a backend sidecar fronts: a tiny Kestrel app in the test process on the port the
/// backend advertises (127.0.0.1). Every response body is "NAME METHOD PATH", so a client sees which
/// backend served it (and /metrics serves cache counters, <see cref="CacheHitRatio"/>). <see cref="Crash"/> goes down like the machine would (listener closed, open
/// connections aborted); <see cref="Stop"/> drains; <see cref="Start"/> brings it back on the same port.
/// </summary>
public sealed class BackendService : IAsyncDisposable
{
    private WebApplication? _app;
    private long _served;

    private BackendService(string name, int port)
    {
        Name = name;
        Port = port;
    }

    public string Name { get; }
    public int Port { get; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public bool IsRunning => _app is not null;

    /// <summary>Requests answered, all incarnations.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Starts a service named <paramref name="name"/> on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<BackendService> Start(string name, int port)
    {
        var service = new BackendService(name, port);
        await service.Start();
        return service;
    }

    /// <summary>(Re)starts the service on its port.</summary>
    public async Task Start()
    {
        if (_app is not null)
            throw new InvalidOperationException($"{Name}'s service is already running");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path == "/metrics")
                return context.Response.WriteAsync(Metrics());
            return Serve(context);
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>When set, requests wait on it before they are answered (a slow owner, held by the test).</summary>
    public SemaphoreSlim? Gate { get; set; }

    private int _held;

    /// <summary>Requests waiting on <see cref="Gate"/> now.</summary>
    public int Held => Volatile.Read(ref _held);

    private async Task Serve(HttpContext context)
    {
        if (Gate is { } gate)
        {
            Interlocked.Increment(ref _held);
            try
            {
                await gate.WaitAsync(context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
        Interlocked.Increment(ref _served);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"{Name} {context.Request.Method} {context.Request.Path}\n");
    }

    /// <summary>The cache hit ratio /metrics reports from now on: each scrape counts 1,000 more cache lookups, this share of them hits.</summary>
    public double CacheHitRatio { get; set; } = 1.0;

    private double _cacheLookups;
    private double _cacheHits;
    private long _scrapes;

    /// <summary>Times /metrics was read.</summary>
    public long Scrapes => Interlocked.Read(ref _scrapes);

    // Counters as a cache service exposes them (Prometheus text), advancing on each scrape so rates over any window
    // show the ratio set last.
    private string Metrics()
    {
        Interlocked.Increment(ref _scrapes);
        lock (this)
        {
            _cacheLookups += 1000;
            _cacheHits += Math.Round(1000 * CacheHitRatio);
            return $"# TYPE cache_hits_total counter\ncache_hits_total {_cacheHits}\n# TYPE cache_requests_total counter\ncache_requests_total {_cacheLookups}\n";
        }
    }

    /// <summary>Gone at once, as when the machine dies: the listener closes (connects are refused) and open connections are aborted.</summary>
    public Task Crash() => StopApp(new CancellationToken(canceled: true));

    /// <summary>Graceful: stops accepting, lets in-flight requests finish (up to <paramref name="drain"/>).</summary>
    public async Task Stop(TimeSpan drain)
    {
        using var cts = new CancellationTokenSource(drain);
        await StopApp(cts.Token);
    }

    private async Task StopApp(CancellationToken token)
    {
        var app = _app;
        if (app is null)
            return;
        _app = null;
        try
        {
            await app.StopAsync(token);
        }
        catch (OperationCanceledException)
        {
        }
        await app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(Crash());
}
