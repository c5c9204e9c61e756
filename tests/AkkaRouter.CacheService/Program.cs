using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.CacheService;

/// <summary>
/// A backend of the cache-fleet benchmark: every GET is a lookup of its path in an LRU cache of
/// --capacity keys. A hit answers at once; a miss waits --miss-ms (a sleep: the cost of loading from
/// the source of truth, so two cores are not the bottleneck) and caches the key. A request whose
/// X-Client-Zone header names another zone than --zone waits --cross-zone-ms more (the round trip to
/// another zone; the load generator sets the header to the zone of the router or balancer it sent
/// the request to). --slow-ms is added to every request (a degraded zone).
/// The body is the instance's name, so a client sees who served it.
/// GET /metrics: cache_hits_total, cache_requests_total, cross_zone_requests_total, cache_entries and the GC's figures
/// (dotnet_gc_*, dotnet_collection_count_total) in Prometheus text.
/// GET /healthz: 200. POST /admin/reset?capacity=N&amp;slow-ms=M: a cold cache of N keys, M ms added.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = Options.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: AkkaRouter.CacheService --name NAME --port PORT [--zone Z] [--capacity N] [--miss-ms MS] [--cross-zone-ms MS] [--slow-ms MS]");
            return 2;
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var service = new Service(options);
        app.MapGet("/metrics", () => Results.Text(service.Metrics(), "text/plain; version=0.0.4"));
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapPost("/admin/reset", (int? capacity, HttpRequest request) =>
        {
            var slow = int.TryParse(request.Query["slow-ms"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
            service.Reset(capacity ?? options.Capacity, slow);
            return Results.Text("ok\n");
        });
        app.MapGet("/{**key}", service.Lookup);
        await app.StartAsync();
        Console.WriteLine($"{options.Name} listening on 127.0.0.1:{options.Port} zone {options.Zone} capacity {options.Capacity}");
        await app.WaitForShutdownAsync();
        return 0;
    }
}

public sealed record Options(string Name, int Port, string Zone, int Capacity, int MissMs, int CrossZoneMs, int SlowMs)
{
    public static Options? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
            values[args[i]] = args[i + 1];
        int Int(string name, int fallback) =>
            values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        if (!values.TryGetValue("--name", out var name) || !values.ContainsKey("--port"))
            return null;
        return new Options(name, Int("--port", 0), values.GetValueOrDefault("--zone", ""), Int("--capacity", 1000),
            Int("--miss-ms", 20), Int("--cross-zone-ms", 0), Int("--slow-ms", 0));
    }
}

public sealed class Service(Options options)
{
    private readonly LruCache _cache = new(options.Capacity);
    private readonly byte[] _body = Encoding.ASCII.GetBytes(options.Name);
    private long _hits, _requests, _crossZone;
    private volatile int _slowMs = options.SlowMs;

    public void Reset(int capacity, int slowMs)
    {
        _cache.Reset(capacity);
        _slowMs = slowMs;
    }

    public async Task Lookup(HttpContext context)
    {
        var key = context.Request.Path.Value ?? "/";
        Interlocked.Increment(ref _requests);
        var delay = _slowMs;
        var zone = context.Request.Headers["X-Client-Zone"].ToString();
        if (zone.Length > 0 && options.Zone.Length > 0 && zone != options.Zone)
        {
            Interlocked.Increment(ref _crossZone);
            delay += options.CrossZoneMs;
        }
        if (_cache.Touch(key))
        {
            Interlocked.Increment(ref _hits);
            context.Response.Headers["X-Cache"] = "HIT";
        }
        else
        {
            delay += options.MissMs;
            context.Response.Headers["X-Cache"] = "MISS";
        }
        if (delay > 0)
            await Task.Delay(delay, context.RequestAborted);
        // Cached only once loaded: concurrent misses of one key all pay, as with a real cache-aside.
        if (context.Response.Headers["X-Cache"] == "MISS")
            _cache.Add(key);
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = _body.Length;
        await context.Response.Body.WriteAsync(_body, context.RequestAborted);
    }

    public string Metrics() => string.Create(CultureInfo.InvariantCulture, $"""
        # HELP cache_hits_total Lookups answered from the cache.
        # TYPE cache_hits_total counter
        cache_hits_total {Interlocked.Read(ref _hits)}
        # HELP cache_requests_total Lookups.
        # TYPE cache_requests_total counter
        cache_requests_total {Interlocked.Read(ref _requests)}
        # HELP cross_zone_requests_total Lookups from a client in another zone.
        # TYPE cross_zone_requests_total counter
        cross_zone_requests_total {Interlocked.Read(ref _crossZone)}
        # HELP cache_entries Keys in the cache.
        # TYPE cache_entries gauge
        cache_entries {_cache.Count}
        {GcMetrics()}
        """);

    // The runtime's heap as the router's /metrics reports it (same names), so the endurance run can tell a service's
    // memory that is live objects from memory the GC holds.
    private static string GcMetrics()
    {
        var info = GC.GetGCMemoryInfo();
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var gen2 = background.Index > blocking.Index ? background : blocking;
        return string.Create(CultureInfo.InvariantCulture, $$"""
            dotnet_gc_heap_size_bytes {{info.HeapSizeBytes}}
            dotnet_gc_committed_bytes {{info.TotalCommittedBytes}}
            dotnet_gc_fragmented_bytes {{info.FragmentedBytes}}
            dotnet_gc_live_after_gen2_bytes {{(gen2.Index > 0 ? gen2.PromotedBytes : 0)}}
            dotnet_collection_count_total{generation="0"} {{GC.CollectionCount(0)}}
            dotnet_collection_count_total{generation="1"} {{GC.CollectionCount(1)}}
            dotnet_collection_count_total{generation="2"} {{GC.CollectionCount(2)}}

            """);
    }
}
