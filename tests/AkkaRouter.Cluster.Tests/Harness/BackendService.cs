using System.Net;
using AkkaRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// The HTTP service a backend sidecar fronts: a tiny Kestrel app in the test process on a port of
/// 127.0.0.1 it binds itself (0) and that the backend then advertises. Every response body is "NAME METHOD PATH", so a client sees which
/// backend served it (and /metrics serves cache counters, <see cref="CacheHitRatio"/>). <see cref="Crash"/> goes down like the machine would (listener closed, open
/// connections aborted); <see cref="Stop"/> drains; <see cref="Start"/> brings it back on the same port. While it is
/// down the port stays reserved (bound, not listening: connects are refused), so no other socket can take the
/// endpoint the backend advertises before the service comes back.
/// </summary>
public sealed class BackendService : IAsyncDisposable
{
    private WebApplication? _app;
    private ReservedPort? _reserved;
    private long _served;

    private BackendService(string name) => Name = name;

    public string Name { get; }

    /// <summary>The port the first start bound; every restart binds it again.</summary>
    public int Port { get; private set; }
    public string Endpoint => $"127.0.0.1:{Port}";
    public bool IsRunning => _app is not null;

    /// <summary>Requests answered, all incarnations.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Starts a service named <paramref name="name"/> on a port of 127.0.0.1 the OS picks.</summary>
    public static async Task<BackendService> Start(string name)
    {
        var service = new BackendService(name);
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
        // A restart: the reservation goes just before the listener binds the port again, so only a socket
        // binding this very port in that instant could take it (and then this start fails, naming the port).
        _reserved?.Dispose();
        _reserved = null;
        await app.StartAsync();
        if (Port == 0)
            Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
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
        _reserved = new ReservedPort(Port);
    }

    public async ValueTask DisposeAsync()
    {
        await Crash();
        _reserved?.Dispose();
        _reserved = null;
    }
}
