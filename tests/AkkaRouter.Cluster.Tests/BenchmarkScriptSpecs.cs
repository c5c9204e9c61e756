using System.Diagnostics;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// The side-by-side scripts under tests/AkkaRouter.Benchmarks run in their --smoke form, so none of
/// them rots: each must start its peers and the router, check the response bytes and finish without
/// an error. Their figures are not asserted here (they are measured by the full runs).
/// </summary>
public sealed class BenchmarkScriptSpecs(ITestOutputHelper output)
{
    [Fact(DisplayName = "rr-side-by-side.sh --smoke: the edge's round-robin, HAProxy and nginx answer the same bytes and a round runs without errors")]
    public async Task Round_robin_side_by_side_smoke()
    {
        var stdout = await Smoke("rr-side-by-side.sh");
        Assert.Contains("router/haproxy (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("router/nginx (medians)", stdout, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "tls-side-by-side.sh --smoke: the edge and nginx terminate TLS with the same certificate, answer the backends' bytes over https and a round runs without errors")]
    public async Task Tls_side_by_side_smoke()
    {
        var stdout = await Smoke("tls-side-by-side.sh");
        Assert.Contains("edge/nginx keep-alive (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("edge/nginx handshake-per-request (medians)", stdout, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "remote-tls-cost.sh --smoke: a cluster forms over plain and over mutually authenticated TLS remoting, and a killed member leaves both rings")]
    public async Task Remote_tls_cost_smoke()
    {
        var stdout = await Smoke("remote-tls-cost.sh");
        Assert.Contains("tls/plain (medians)", stdout, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "http-vs-nginx.sh --smoke: the edge, the bare Kestrel + YARP floor, Kestrel with the edge's own forwarder alone (over all three backends), Kestrel and nginx answering alone, the shipped nginx front (with and without its lookup cache, and without its headers), nginx with a Lua-picked backend (in an access, a set or only the balancer phase), nginx with the lua module loaded and nginx alone return the backends' exact responses, the edge's owner is its RESP answer, and a round runs without errors")]
    public async Task Http_vs_nginx_smoke()
    {
        // The default fronts and the nginx front's parts, which run only when named.
        var stdout = await Smoke("http-vs-nginx.sh", environment: new Dictionary<string, string>
        {
            ["FRONTS"] = "nginx nginx-200 kestrel-200 floor floor-direct router nginx+ar nginx+ar-uncached nginx+lua " +
                         "nginx+lua-module nginx+lua-balancer nginx+lua-set nginx+ar-bare",
        });
        Assert.Contains("router: 30 paths, each the owning backend's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("floor: 30 paths, each backend-1's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("floor-direct: 30 paths, each one backend's exact response (all 3 backends used)", stdout, StringComparison.Ordinal);
        Assert.Contains("floor-direct/floor (direct forwarder vs YARP) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("router/floor-direct (product over its forwarder) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("kestrel-200: 30 paths, each backend-1's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx-200: 30 paths, each backend-1's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("kestrel-200/nginx (Kestrel answering: nothing forwarded) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("kestrel-200/nginx-200 (answering alone) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("router/nginx (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("floor/nginx (platform) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("router/floor (product) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar: 30 paths, each the owning backend's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar/nginx (original deployment) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar-uncached: 30 paths, each the owning backend's exact response", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar/nginx+ar-uncached (the lookup cache) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+lua: 30 paths, each one backend's exact response (all 3 backends used)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+lua/nginx (Lua on the request path without a lookup) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar/nginx+lua (the lookup cache and headers over Lua alone) (medians)", stdout, StringComparison.Ordinal);
        foreach (var part in new[] { "nginx+lua-module", "nginx+lua-balancer", "nginx+lua-set" })
            Assert.Contains($"{part}: 30 paths, each one backend's exact response (all 3 backends used)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar-bare: 30 paths, each the owning backend's exact response (all 3 backends used)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+lua-module/nginx (the lua module loaded and no Lua code) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+lua/nginx+lua-balancer (a Lua access phase over the balancer alone) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+lua-set/nginx+lua-balancer (a Lua set phase over the balancer alone) (medians)", stdout, StringComparison.Ordinal);
        Assert.Contains("nginx+ar-bare/nginx+ar (the front without its headers) (medians)", stdout, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "restart-same-address.sh --smoke: a sidecar killed with kill -9 and started again 2 s later on the same address is back in the cluster and on both routers' rings")]
    public async Task Restart_same_address_smoke()
    {
        var stdout = await Smoke("restart-same-address.sh");
        Assert.Matches(@"restart 1: in the cluster and on both rings \d+\.\d s after the start", stdout);
    }

    [Fact(DisplayName = "resp-vs-redis.sh --smoke: redis-server and the router send the same reply bytes, every redis GET hits, and a round of each setting runs without errors")]
    public async Task Resp_vs_redis_smoke()
    {
        var stdout = await Smoke("resp-vs-redis.sh");
        Assert.Contains("the same reply bytes from both", stdout, StringComparison.Ordinal);
        Assert.Contains("| -c 1 -P 1 ", stdout, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "endurance.sh --smoke: 2 routers and 5 sidecars through one round of injected faults (each of the 8 kinds once) under RESP and HTTP load fail no request, answer no backend off the ring and end on agreeing rings")]
    public async Task Endurance_smoke()
    {
        var output = Directory.CreateTempSubdirectory("endurance-smoke-");
        try
        {
            var stdout = await Smoke("endurance.sh", TimeSpan.FromMinutes(7), new Dictionary<string, string>
            {
                ["CACHE_SERVICE_EXE"] = Path.Combine(AppContext.BaseDirectory, "AkkaRouter.CacheService"),
                ["ENDURANCE_OUT"] = output.FullName,
            });
            // One round: every kind of fault once.
            var faults = Assert.Single(stdout.Split('\n'), l => l.StartsWith("endurance: ", StringComparison.Ordinal) && l.Contains(" faults (", StringComparison.Ordinal));
            Assert.Matches(@"endurance: \d+ s of load, 8 faults", faults);
            // The nodes run with the Docker image's runtime environment, read from docker/Dockerfile.
            Assert.Contains("== runtime environment of every node: MALLOC_ARENA_MAX=2 DOTNET_GCgen0size=0x2000000;", stdout, StringComparison.Ordinal);
            foreach (var kind in new[] { "sidecar-kill", "sidecar-term", "service-kill", "service-term", "router-kill", "router-term", "drain", "weight" })
                Assert.Contains($"{kind} 1", faults, StringComparison.Ordinal);
            Assert.Matches(@"PASS  HTTP: 0 of [1-9]\d* requests failed; 0 failed attempts outside router restarts", stdout);
            Assert.Matches(@"PASS  RESP: [1-9]\d* of [1-9]\d* lookups answered; 0 errors outside router restarts", stdout);
            Assert.Matches(@"PASS  wrong-owner answers: 0 of [1-9]\d* checked", stdout);
            Assert.Contains("PASS  routers' rings at the end: agree: default=", stdout, StringComparison.Ordinal);
            Assert.Contains("endurance: PASS", stdout, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output.FullName, "faults.log")), "faults.log written");
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    // Runs a benchmark script with --smoke against the executable built beside the tests (the smoke run checks the
    // script, not a fresh publish); returns its standard output once it exited 0 within the deadline (3 minutes).
    private async Task<string> Smoke(string name, TimeSpan? within = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var script = Path.Combine(AkkaRouter.Tests.Support.RepositoryRoot.Path, "tests", "AkkaRouter.Benchmarks", name);
        var info = new ProcessStartInfo("bash", [script, "--smoke"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ROUTER_EXE"] = Path.Combine(AppContext.BaseDirectory, "akkarouter");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var timeout = within ?? TimeSpan.FromMinutes(3);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} --smoke still running after {timeout.TotalMinutes:0} minutes:\n{await stdout}\n{await stderr}");
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
