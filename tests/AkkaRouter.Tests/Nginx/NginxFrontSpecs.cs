using System.Collections.Concurrent;
using System.Net;
using AkkaRouter.Demo;
using AkkaRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace AkkaRouter.Tests.Nginx;

/// <summary>
/// The production front end: a real nginx running docker/nginx/akkarouter.conf asks a real
/// `akkarouter` process over RESP who owns each path and proxies to that backend.
/// </summary>
/// <remarks>
/// Needs the Debian packages nginx, libnginx-mod-http-lua and lua-nginx-redis (tests/run.sh installs
/// them). Without them the tests fail with a message saying so; filter them out with
/// <c>--filter "Requires!=nginx"</c> where nginx cannot be installed.
/// </remarks>
[Trait("Requires", "nginx")]
public class NginxFrontSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(DisplayName = "nginx sends each of 200 paths to the backend the router's RESP GET names, pools its router connections, and answers 502 naming the router once it stops")]
    public async Task Nginx_proxies_to_the_owner_and_reports_a_dead_router()
    {
        RequireNginx();
        // Three real HTTP backends that answer "<name> <method> <path><query>".
        await using var backends = await DemoBackends.Start(3);
        var names = backends.Names;
        await using var router = RouterNode.WithStaticBackends(names.Keys);
        var respPort = await RouterNode.RespPort(router, Deadline);
        using var probe = await RespProbe.WhenOwners(respPort, 3, Deadline);

        await using var nginx = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var connectionsBefore = probe.InfoField("stats", "total_connections_received");

        // 200 different paths, 8 at a time, each compared with the router's own answer.
        var expected = Enumerable.Range(0, 200).Select(i => $"/documents/doc-{i}")
            .ToDictionary(path => path, path => probe.Call("GET", path));
        var served = new ConcurrentDictionary<string, (HttpStatusCode Status, string Body, string? Owner)>();
        await Parallel.ForEachAsync(expected.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, ct) =>
        {
            using var response = await http.GetAsync(path, ct);
            var owner = response.Headers.TryGetValues("X-AkkaRouter-Owner", out var values) ? values.Single() : null;
            served[path] = (response.StatusCode, await response.Content.ReadAsStringAsync(ct), owner);
        });

        var wrong = expected
            .Where(e => served[e.Key] is var s && (s.Status != HttpStatusCode.OK || s.Body != $"{names[e.Value]} GET {e.Key}\n" || s.Owner != e.Value))
            .Select(e => $"{e.Key}: RESP GET says {e.Value} ({names.GetValueOrDefault(e.Value, "?")}), nginx gave {(int)served[e.Key].Status} owner={served[e.Key].Owner} '{served[e.Key].Body.Trim()}'")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of 200 requests went astray:\n{string.Join('\n', wrong.Take(10))}\n{nginx.Diagnostics()}");
        Assert.True(expected.Values.Distinct().Count() == 3, "200 keys should spread over all 3 backends");

        // The whole path is the key: a query string changes nothing about placement, and the
        // request reaches the backend unchanged.
        var withQuery = await http.GetStringAsync("/documents/doc-7?x=1&y=%2F");
        Assert.Equal($"{names[expected["/documents/doc-7"]]} GET /documents/doc-7?x=1&y=%2F\n", withQuery);

        // lua-resty-redis's keepalive pool: one nginx worker, at most 8 requests in flight, so a
        // handful of RESP connections serve all 201 lookups (without the pool: 201 connections).
        var connections = probe.InfoField("stats", "total_connections_received") - connectionsBefore;
        Assert.True(connections <= 8, $"nginx opened {connections} RESP connections for 201 lookups; set_keepalive should reuse them");

        // Router gone: nginx says so, briefly and in plain text, instead of guessing an owner. A cached
        // answer may still serve the path until the next recheck (100 ms) finds no router and empties
        // the cache; a path never asked for is never guessed.
        router.Terminate();
        await router.WaitForExit(Deadline);
        using (var never = await http.GetAsync("/documents/never-asked"))
            Assert.Equal(HttpStatusCode.BadGateway, never.StatusCode);
        HttpResponseMessage? down = null;
        await Eventually.True(() =>
        {
            down?.Dispose();
            down = http.GetAsync("/documents/doc-1").GetAwaiter().GetResult();
            return down.StatusCode == HttpStatusCode.BadGateway;
        }, TimeSpan.FromSeconds(5), "nginx answering 502 once its cache is emptied");
        using (down)
        {
            var body = await down!.Content.ReadAsStringAsync();
            Assert.Equal("text/plain", down.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"akkarouter: router unavailable (127.0.0.1:{respPort}: connection refused)\n", body);
        }
    }

    [Fact(DisplayName = "nginx asks the router once per path while the ring stands (RING.SERVICES rechecks its checksums), and sends every path to its new owner soon after a drain changes the ring")]
    public async Task Nginx_caches_answers_until_the_ring_changes()
    {
        RequireNginx();
        await using var backends = await DemoBackends.Start(3);
        var names = backends.Names;
        await using var router = RouterNode.WithStaticBackends(names.Keys);
        var respPort = await RouterNode.RespPort(router, Deadline);
        var cmdPort = await RouterNode.CmdPort(router, Deadline);
        using var probe = await RespProbe.WhenOwners(respPort, 3, Deadline);

        await using var nginx = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var paths = Enumerable.Range(0, 100).Select(i => $"/documents/cached-{i}").ToList();

        async Task<Dictionary<string, string>> OwnersThroughNginx()
        {
            var owners = new ConcurrentDictionary<string, string>();
            await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (path, ct) =>
            {
                using var response = await http.GetAsync(path, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} '{body}'");
                var owner = response.Headers.GetValues("X-AkkaRouter-Owner").Single();
                Assert.Equal($"{names[owner]} GET {path}\n", body);
                owners[path] = owner;
            });
            return new Dictionary<string, string>(owners);
        }

        Dictionary<string, string> RouterOwners() => paths.ToDictionary(p => p, p => probe.Call("GET", p));

        // The first pass asks for every path; three more ask for none of them again. Commands counted by the
        // router: the probe's own INFO calls (2 per count) and the front's rechecks are all that may remain.
        var before = await OwnersThroughNginx();
        Assert.Equal(RouterOwners(), before);
        var lookups = probe.InfoField("stats", "total_commands_processed");
        for (var pass = 0; pass < 3; pass++)
            Assert.Equal(before, await OwnersThroughNginx());
        var commands = probe.InfoField("stats", "total_commands_processed") - lookups;
        Assert.True(commands < 60, $"300 cached requests made {commands} router commands; the cache should answer them (uncached: 300 or more)");

        // Draining the owner of the first path changes the ring: within a recheck interval or so every
        // path's requests go to the router's new owner, and none to the drained backend.
        var drained = before[paths[0]];
        using (var palette = new RespProbe(cmdPort))
            palette.Call("ring", "drain", "-b", drained);
        await Eventually.True(() => probe.Call("GET", paths[0]) != drained, Deadline, "the router moving the drained backend's keys");
        var routerAfter = RouterOwners();
        Assert.DoesNotContain(drained, routerAfter.Values);
        Dictionary<string, string>? through = null;
        await Eventually.True(() =>
        {
            through = OwnersThroughNginx().GetAwaiter().GetResult();
            return through.All(p => routerAfter[p.Key] == p.Value);
        }, TimeSpan.FromSeconds(5), "nginx sending every path to the owner the router names after the drain");
        Assert.True(before.Count(p => p.Value != routerAfter[p.Key]) > 0, "the drain moved keys");
    }

    [Fact(DisplayName = "$akkarouter_cache_recheck_ms 0 asks the router for every request; a value that is not milliseconds answers 500 naming the variable")]
    public async Task Nginx_without_a_cache_asks_per_request_and_refuses_a_bad_recheck_value()
    {
        RequireNginx();
        await using var service = DemoService.Create("backend-only", 0);
        await service.StartAsync();
        await using var router = RouterNode.WithStaticBackends([new Uri(service.Urls.First()).Authority]);
        var respPort = await RouterNode.RespPort(router, Deadline);
        using var probe = await RespProbe.WhenOwners(respPort, 1, Deadline);

        await using (var uncached = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline, cacheRecheckMs: "0"))
        {
            using var http = new HttpClient { BaseAddress = uncached.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            var before = probe.InfoField("stats", "total_commands_processed");
            for (var i = 0; i < 20; i++)
                Assert.Equal("backend-only GET /documents/same\n", await http.GetStringAsync("/documents/same"));
            var commands = probe.InfoField("stats", "total_commands_processed") - before;
            Assert.True(commands >= 20, $"20 uncached requests made {commands} router commands (one lookup each expected)");
        }

        await using var misconfigured = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline, cacheRecheckMs: "soon");
        using var client = new HttpClient { BaseAddress = misconfigured.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync("/documents/same");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("akkarouter: bad $akkarouter_cache_recheck_ms 'soon' (want milliseconds, 0 = no cache)\n", await response.Content.ReadAsStringAsync());
    }

    [Fact(DisplayName = "With $akkarouter_service set, nginx sends each path to the owner on that service's ring (RING.GET images), never to a default-service backend")]
    public async Task Nginx_fronts_a_named_service()
    {
        RequireNginx();
        var backends = new List<WebApplication>();
        try
        {
            var names = new Dictionary<string, string>();
            var services = new List<(string Endpoint, string Service)>();
            for (var i = 1; i <= 4; i++)
            {
                var app = DemoService.Create($"backend-{i}", 0);
                backends.Add(app);
                await app.StartAsync();
                var endpoint = new Uri(app.Urls.Single()).Authority;
                names[endpoint] = $"backend-{i}";
                services.Add((endpoint, i <= 2 ? "default" : "images"));
            }
            await using var router = RouterNode.WithServices(services);
            var respPort = await RouterNode.RespPort(router, Deadline);
            using var probe = new RespProbe(respPort);
            await Eventually.True(() => probe.Call("DBSIZE") == "2" && probe.Call("RING.GET", "images", "/x") is string s && s.StartsWith("127.0.0.1:", StringComparison.Ordinal),
                Deadline, "both services' backends own keys");

            await using var nginx = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline, service: "images");
            using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            var images = services.Where(s => s.Service == "images").Select(s => s.Endpoint).ToHashSet();
            var seen = new HashSet<string>();
            for (var i = 0; i < 60; i++)
            {
                var path = $"/images/img-{i}.png";
                var owner = probe.Call("RING.GET", "images", path);
                Assert.Contains(owner, images);
                Assert.Equal($"{names[owner]} GET {path}\n", await http.GetStringAsync(path));
                seen.Add(owner);
            }
            Assert.Equal(images.Order(), seen.Order());
        }
        finally
        {
            foreach (var app in backends)
                await app.DisposeAsync();
        }
    }

    [Fact(DisplayName = "nginx tries the routers in order, and an empty ring (-ERR no backends in ring) becomes 503 naming the cause")]
    public async Task Nginx_falls_back_to_the_next_router_and_maps_an_empty_ring_to_503()
    {
        RequireNginx();
        await using var router = NodeProcess.Start(["run"], RouterNode.FreePorts);
        var respPort = await RouterNode.RespPort(router, Deadline);
        using (var probe = new RespProbe(respPort))
            Assert.Equal("-ERR no backends in ring", probe.Call("GET", "/documents/abc"));

        // The first router address has nothing listening: nginx must go on to the second.
        using var dead = new ReservedPort();
        await using var nginx = await NginxProcess.Start([dead.Endpoint, $"127.0.0.1:{respPort}"], Deadline);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        using var response = await http.GetAsync("/documents/abc");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode} '{body}'\n{nginx.Diagnostics()}");
        Assert.Equal($"akkarouter: no backends in ring (router 127.0.0.1:{respPort})\n", body);
    }

    [Fact(DisplayName = "A router with an empty ring (e.g. cut off from its cluster's majority) is passed over for the next router")]
    public async Task Nginx_asks_the_next_router_when_one_has_no_backends()
    {
        RequireNginx();
        // The service binds a port of its own (0) and the router is told the one it got.
        await using var service = DemoService.Create("backend-only", 0);
        await service.StartAsync();
        var serviceEndpoint = new Uri(service.Urls.First()).Authority;
        await using var empty = NodeProcess.Start(["run"], RouterNode.FreePorts);
        await using var healthy = RouterNode.WithStaticBackends([serviceEndpoint]);
        var emptyPort = await RouterNode.RespPort(empty, Deadline);
        var healthyPort = await RouterNode.RespPort(healthy, Deadline);

        await using var nginx = await NginxProcess.Start([$"127.0.0.1:{emptyPort}", $"127.0.0.1:{healthyPort}"], Deadline);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync("/documents/abc");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode} '{body}'\n{nginx.Diagnostics()}");
        Assert.Equal("backend-only GET /documents/abc\n", body);
    }

    private static void RequireNginx()
    {
        var missing = NginxProcess.MissingPrerequisite();
        Assert.True(missing is null, missing);
    }
}
