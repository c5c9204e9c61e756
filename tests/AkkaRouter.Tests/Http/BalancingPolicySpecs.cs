using System.Net;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Http;

/// <summary>Per-route balancing policies (akka-router.http.routes[].policy) through the production wiring, real Kestrel backends and HttpClient.</summary>
public class BalancingPolicySpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static async Task<(EdgeNode Edge, List<TestBackend> Backends)> Start(string policy, IReadOnlyList<double>? weights = null, string hocon = "")
    {
        var backends = new List<TestBackend>();
        foreach (var name in new[] { "a", "b", "c" })
            backends.Add(await TestBackend.Start(name));
        var edge = await EdgeNode.Start(backends.Select(b => b.Endpoint), $$"""
            akka-router.http { debug-headers = on, routes = [ { path = "^/api/", policy = {{policy}} } ] }
            {{hocon}}
            """, weights);
        // least-requests reads the in-flight counters the edge actor creates once it has seen the ring.
        await Eventually.True(() => backends.All(b => edge.Loads.Find(b.Endpoint) is not null), Deadline, "the edge tracks every backend's load");
        return (edge, backends);
    }

    private static async Task Stop(EdgeNode edge, IEnumerable<TestBackend> backends)
    {
        foreach (var backend in backends)
            backend.Gate?.Release(1000);
        await edge.DisposeAsync();
        foreach (var backend in backends)
            await backend.DisposeAsync();
    }

    private static async Task<string> Get(EdgeNode edge, string path)
    {
        using var response = await edge.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues(TestBackend.ServedBy).Single();
    }

    [Fact(DisplayName = "round-robin with weights 5:1:1 serves in nginx's smooth order (heavy, heavy, light, heavy, light, heavy, heavy) and says so in X-AkkaRouter-Decision")]
    public async Task Round_robin_is_smooth()
    {
        var (edge, backends) = await Start("round-robin", [5, 1, 1]);
        try
        {
            var served = new List<string>();
            for (var i = 0; i < 14; i++)
                served.Add(await Get(edge, $"/api/item/{i}"));
            var pattern = string.Concat(served.Select(s => s == "a" ? 'H' : 'L'));
            Assert.Equal("HHLHLHHHHLHLHH", pattern);
            Assert.Equal(2, served.Count(s => s == "b"));
            Assert.Equal(2, served.Count(s => s == "c"));
            using var response = await edge.Client.GetAsync("/api/x");
            Assert.Equal("round-robin", response.Headers.GetValues(HttpEdgeForwarder.DecisionHeader).Single());
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Fact(DisplayName = "Only routes that name a policy balance: other paths still go to their key's owner")]
    public async Task Other_routes_keep_hashing()
    {
        var (edge, backends) = await Start("round-robin", hocon: """
            akka-router.http.routes = [ { path = "^/api/", policy = round-robin }, { } ]
            """);
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var served = await Get(edge, $"/documents/{i}");
                Assert.Equal(edge.OwnerOf($"/documents/{i}"), backends.Single(b => b.Name == served).Endpoint);
            }
            var spread = new HashSet<string>();
            for (var i = 0; i < 6; i++)
                spread.Add(await Get(edge, "/api/same-path"));
            Assert.Equal(3, spread.Count);
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Fact(DisplayName = "least-requests steers around a backend holding requests: after a burst leaves a holding its share, none of 20 further requests goes to a")]
    public async Task Least_requests_avoids_busy_backend()
    {
        var (edge, backends) = await Start("least-requests");
        try
        {
            var a = backends.Single(b => b.Name == "a");
            a.Gate = new SemaphoreSlim(0);
            // A burst: every backend's in-flight count rises together, so a takes about a third (measured: 10 of 30).
            var burst = Enumerable.Range(0, 30).Select(i => edge.Client.GetAsync($"/api/burst/{i}")).ToArray();
            var others = backends.Where(b => b != a).ToArray();
            await Eventually.True(() => a.Held + others.Sum(b => b.Seen.Count) == 30, Deadline, "all 30 requests reached a backend");
            await Eventually.True(() => others.All(b => edge.Loads.Find(b.Endpoint)!.Current == 0), Deadline, "b and c answered theirs");
            Assert.True(a.Held > 0, "the burst left nothing on a");
            // b and c are idle, a holds its share: every later request goes to b or c (round-robin would send a third to a).
            var served = new List<string>();
            for (var i = 0; i < 20; i++)
                served.Add(await Get(edge, $"/api/next/{i}"));
            Assert.DoesNotContain("a", served);
            Assert.Contains("b", served);
            Assert.Contains("c", served);
            a.Gate.Release(1000);
            foreach (var response in await Task.WhenAll(burst))
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Fact(DisplayName = "random draws in proportion to weight: 600 requests over weights 4:1:1 give a between 55 % and 78 %")]
    public async Task Random_is_weighted()
    {
        var (edge, backends) = await Start("random", [4, 1, 1]);
        try
        {
            var served = new List<string>();
            for (var i = 0; i < 600; i++)
                served.Add(await Get(edge, "/api/r"));
            // Expected 2/3; the bounds are more than 6 standard deviations (1.9 %) away.
            Assert.InRange(served.Count(s => s == "a") / 600.0, 0.55, 0.78);
            Assert.Contains("b", served);
            Assert.Contains("c", served);
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Theory(DisplayName = "A killed backend fails no request of a balancing route: its turn goes to the next backend")]
    [InlineData("round-robin")]
    [InlineData("least-requests")]
    [InlineData("random")]
    public async Task Killed_backend_fails_nothing(string policy)
    {
        var (edge, backends) = await Start(policy);
        try
        {
            await backends.Single(b => b.Name == "b").Kill();
            var served = new List<string>();
            for (var i = 0; i < 30; i++)
                served.Add(await Get(edge, $"/api/k/{i}"));
            Assert.DoesNotContain("b", served);
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Fact(DisplayName = "An open circuit takes its backend out of round-robin's turns")]
    public async Task Open_circuit_is_skipped()
    {
        var (edge, backends) = await Start("round-robin", hocon: "akka-router.http.circuit-breaker { failure-threshold = 1, reset-timeout = 60s }");
        try
        {
            await backends.Single(b => b.Name == "c").Kill();
            var c = backends.Single(b => b.Name == "c").Endpoint;
            // Requests go round; the one whose turn is c's fails its connect, retries, and opens c's circuit.
            for (var i = 0; i < 3; i++)
                await Get(edge, "/api/open");
            await Eventually.True(() => edge.Circuits.Find(c)?.Phase == CircuitPhase.Open, Deadline, "c's circuit open");
            var before = backends.ToDictionary(b => b.Name, b => b.Seen.Count);
            var served = new List<string>();
            for (var i = 0; i < 12; i++)
                served.Add(await Get(edge, $"/api/after/{i}"));
            Assert.Equal(6, served.Count(s => s == "a"));
            Assert.Equal(6, served.Count(s => s == "b"));
            Assert.Equal(before["c"], backends.Single(b => b.Name == "c").Seen.Count);
        }
        finally
        {
            await Stop(edge, backends);
        }
    }

    [Fact(DisplayName = "An unknown policy stops the node at start with one line naming the route's key and the known policies")]
    public void Unknown_policy()
    {
        var error = Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText("""
            akka-router.http.routes = [ { path = "^/a/" }, { policy = least-connections } ]
            """)));
        Assert.Equal("akka-router.http.routes[1].policy", error.Key);
        Assert.Equal("unknown policy 'least-connections' (known: consistent-hash, round-robin, least-requests, random)", error.Problem);
    }
}
