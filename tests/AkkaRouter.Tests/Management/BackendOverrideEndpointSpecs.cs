using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Management;

/// <summary>
/// POST /api/backends/{id}/drain|undrain and PUT /api/backends/{id}/weight on a node with a management token, seen
/// through RING.NODES, DBSIZE and MGET on the RESP port and through /api/ring.
/// </summary>
public class BackendOverrideEndpointSpecs
{
    private const string Token = "Bearer s3cret";
    private const string Unauthorized = "missing or wrong bearer token (akka-router.management.token)\n";
    private const string BadWeight = "weight must be a number from 0 to 100 (?value=W or the request body)\n";

    // Ids differ from endpoints, so a spec can tell which of the two a request named. Nothing listens on these
    // addresses: the checks are off, operator overrides are under test.
    private const string Hocon = """
        akka-router.management.token = "s3cret"
        akka-router.health-check.type = none
        akka-router.static-backends = [
          { endpoint = "10.0.0.1:8081", id = cache-a },
          { endpoint = "10.0.0.2:8081", id = cache-b },
          { endpoint = "10.0.0.3:8081", id = cache-c }
        ]
        """;

    private static readonly string[] Keys = Enumerable.Range(0, 400).Select(i => $"/documents/{i}").ToArray();

    private static async Task<OperatedNode> Start()
    {
        var node = await OperatedNode.Start(Hocon);
        await node.WaitForNodes(n => n.Count == 3 && n.Values.All(b => b.State == "up"), "three backends are up");
        return node;
    }

    private static void AssertUntouched(RingNode node)
    {
        Assert.True(node is { State: "up", Weight: "1", EffectiveWeight: "1", Reason: "", Share: > 0 }, $"{node.Id} changed: {node}");
    }

    [Fact(DisplayName = "Without the right bearer token drain, undrain and weight answer 401 with a challenge and change nothing")]
    public async Task Mutations_need_the_token()
    {
        await using var node = await Start();
        var before = await node.Owners(Keys);
        string?[] wrong = [null, "Bearer wrong", "Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET", "Basic s3cret", "s3cret", "Bearer "];
        foreach (var authorization in wrong)
        {
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Post, "/api/backends/cache-a/drain"),
                (HttpMethod.Post, "/api/backends/10.0.0.2:8081/drain"),
                (HttpMethod.Post, "/api/backends/cache-a/undrain"),
                (HttpMethod.Put, "/api/backends/cache-b/weight?value=5"),
            })
            {
                using var request = new HttpRequestMessage(method, path);
                if (authorization is not null)
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                using var response = await node.Management.SendAsync(request);
                var what = $"{method} {path} with Authorization '{authorization ?? "(none)"}'";
                Assert.True((int)response.StatusCode == 401, $"{what}: {(int)response.StatusCode}");
                Assert.Equal(Unauthorized, await response.Content.ReadAsStringAsync());
                // RFC 9110 section 15.5.2: a 401 carries at least one challenge.
                Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
            }
        }
        var body = await node.Send(HttpMethod.Put, "/api/backends/cache-b/weight", "Bearer nope", "5");
        Assert.Equal((401, Unauthorized), body);

        // A barrier: an authorised change to cache-c (the scheme is case-insensitive) reaches the ring after anything
        // the refused requests could have written, so cache-a and cache-b are seen as they would be by then.
        Assert.Equal((200, "cache-c: drained on every reachable node\n"), await node.Send(HttpMethod.Post, "/api/backends/cache-c/drain", "bearer s3cret"));
        var after = await node.WaitForNodes(n => n["cache-c"].State == "draining", "cache-c is draining");
        AssertUntouched(after["cache-a"]);
        AssertUntouched(after["cache-b"]);
        Assert.Equal(2L, await node.DbSize());
        var owners = await node.Owners(Keys);
        for (var i = 0; i < Keys.Length; i++)
        {
            if (before[i] != "10.0.0.3:8081")
                Assert.Equal(before[i], owners[i]);
        }
    }

    [Fact(DisplayName = "With the token, drain (by id) takes every key from the backend on RING.NODES, DBSIZE and /api/ring; undrain (by endpoint) gives exactly those keys back")]
    public async Task Drain_and_undrain()
    {
        await using var node = await Start();
        var before = await node.Owners(Keys);
        Assert.Contains("10.0.0.1:8081", before);

        Assert.Equal((200, "cache-a: drained on every reachable node\n"), await node.Send(HttpMethod.Post, "/api/backends/cache-a/drain", Token));
        var drained = await node.WaitForNodes(n => n["cache-a"].State == "draining", "cache-a is draining on RING.NODES");
        var a = drained["cache-a"];
        Assert.Equal(("1", "0", 0.0), (a.Weight, a.EffectiveWeight, a.Share));
        Assert.StartsWith("drained by operator (management API on akka.tcp://akkarouter@127.0.0.1:", a.Reason);
        Assert.Equal(2L, await node.DbSize());
        var (ring, backends) = await node.ApiRing();
        Assert.Equal((3, 2), (ring.GetProperty("members").GetInt32(), ring.GetProperty("owners").GetInt32()));
        Assert.Equal("draining", backends["cache-a"].GetProperty("state").GetString());
        Assert.Equal(0, backends["cache-a"].GetProperty("share").GetDouble());
        Assert.Equal(a.Reason, backends["cache-a"].GetProperty("reason").GetString());
        var whileDrained = await node.Owners(Keys);
        Assert.DoesNotContain("10.0.0.1:8081", whileDrained);
        for (var i = 0; i < Keys.Length; i++)
        {
            if (before[i] != "10.0.0.1:8081")
                Assert.Equal(before[i], whileDrained[i]);
        }
        var metrics = await node.WaitForMetrics(m => m.GetValueOrDefault("akkarouter_backend_state{backend=\"cache-a\",state=\"draining\"}") == 1,
            "cache-a's gauge says draining");
        Assert.Equal(1, metrics["akkarouter_backend_state{backend=\"cache-a\",state=\"draining\"}"]);
        Assert.Equal(0, metrics["akkarouter_backend_state{backend=\"cache-a\",state=\"up\"}"]);

        // Draining twice is not an error; undrain named by the endpoint resolves to the same ring id.
        Assert.Equal(200, (await node.Send(HttpMethod.Post, "/api/backends/10.0.0.1:8081/drain", Token)).Status);
        Assert.Equal((200, "cache-a: undrained on every reachable node\n"), await node.Send(HttpMethod.Post, "/api/backends/10.0.0.1:8081/undrain", Token));
        var undrained = await node.WaitForNodes(n => n["cache-a"].State == "up", "cache-a is up again");
        AssertUntouched(undrained["cache-a"]);
        Assert.Equal(3L, await node.DbSize());
        Assert.Equal(before, await node.Owners(Keys));
        Assert.Equal("up", (await node.ApiRing()).Backends["cache-a"].GetProperty("state").GetString());
    }

    [Fact(DisplayName = "PUT weight with ?value=3 or with 3 in the body sets the effective weight to 3 and the backend's share grows to match")]
    public async Task Weight_by_query_and_body()
    {
        await using var node = await Start();

        Assert.Equal((200, "cache-b: weight set to 3 on every reachable node\n"), await node.Send(HttpMethod.Put, "/api/backends/cache-b/weight?value=3", Token));
        var one = await node.WaitForNodes(n => n["cache-b"].EffectiveWeight == "3", "cache-b has effective weight 3");
        // Up at its (overridden) weight: the reason stays empty, as for any backend that is up.
        Assert.Equal(("up", "3", ""), (one["cache-b"].State, one["cache-b"].Weight, one["cache-b"].Reason));
        Assert.InRange(one["cache-b"].Share, 0.55, 0.65); // 3 / (3 + 1 + 1)
        Assert.InRange(one["cache-a"].Share, 0.15, 0.25);
        Assert.Equal(3, (await node.ApiRing()).Backends["cache-b"].GetProperty("effective-weight").GetDouble());

        Assert.Equal((200, "cache-c: weight set to 3 on every reachable node\n"), await node.Send(HttpMethod.Put, "/api/backends/10.0.0.3:8081/weight", Token, " 3\n"));
        var two = await node.WaitForNodes(n => n["cache-c"].EffectiveWeight == "3", "cache-c has effective weight 3");
        Assert.Equal(("up", "3"), (two["cache-c"].State, two["cache-c"].Weight));
        Assert.InRange(two["cache-c"].Share, 0.38, 0.48); // 3 / (3 + 3 + 1)
        Assert.InRange(two["cache-b"].Share, 0.38, 0.48);
        Assert.InRange(two["cache-a"].Share, 0.10, 0.19);
        Assert.Equal(3L, await node.DbSize());
        await node.WaitForMetrics(m => m.GetValueOrDefault("akkarouter_backend_effective_weight{backend=\"cache-c\"}") == 3, "cache-c's weight gauge says 3");
    }

    [Fact(DisplayName = "A weight that is not a number from 0 to 100 (abc, -1, 101, NaN, none) answers 400 and changes nothing")]
    public async Task Bad_weight_is_refused()
    {
        await using var node = await Start();
        foreach (var value in new[] { "abc", "-1", "101", "100.5", "1e3", "NaN", "Infinity", "" })
            Assert.Equal((400, BadWeight), await node.Send(HttpMethod.Put, $"/api/backends/cache-b/weight?value={Uri.EscapeDataString(value)}", Token));
        foreach (var body in new[] { "abc", "-1", "101", "", "{\"value\":3}" })
            Assert.Equal((400, BadWeight), await node.Send(HttpMethod.Put, "/api/backends/cache-b/weight", Token, body));
        Assert.Equal((400, BadWeight), await node.Send(HttpMethod.Put, "/api/backends/cache-b/weight", Token));

        // Barrier: a valid change to cache-c reaches the ring after anything the refused requests could have written.
        Assert.Equal(200, (await node.Send(HttpMethod.Put, "/api/backends/cache-c/weight?value=2", Token)).Status);
        var after = await node.WaitForNodes(n => n["cache-c"].EffectiveWeight == "2", "cache-c has effective weight 2");
        AssertUntouched(after["cache-a"]);
        AssertUntouched(after["cache-b"]);
    }

    [Fact(DisplayName = "An unknown backend answers 404 with a message naming it, for drain, undrain and weight")]
    public async Task Unknown_backend_is_404()
    {
        await using var node = await Start();
        foreach (var (method, path, name) in new[]
        {
            (HttpMethod.Post, "/api/backends/cache-z/drain", "cache-z"),
            (HttpMethod.Post, "/api/backends/10.0.0.9:8081/undrain", "10.0.0.9:8081"),
            (HttpMethod.Put, "/api/backends/cache-z/weight?value=2", "cache-z"),
        })
        {
            var (status, body) = await node.Send(method, path, Token);
            Assert.Equal(404, status);
            Assert.Equal($"no backend '{name}' on the ring (give its id or endpoint, as `ring show` lists them)\n", body);
        }
        var nodes = await node.RingNodes();
        Assert.Equal(["cache-a", "cache-b", "cache-c"], nodes.Keys.Order());
        Assert.All(nodes.Values, AssertUntouched);
    }

    [Fact(DisplayName = "The read-only endpoints (/health/live, /health/ready, /metrics, /api/ring, /api/cluster) need no token")]
    public async Task Read_only_endpoints_need_no_token()
    {
        await using var node = await Start();
        foreach (var path in new[] { "/health/live", "/health/ready", "/metrics", "/api/ring", "/api/cluster" })
        {
            using var response = await node.Management.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(3, (await node.ApiRing()).Backends.Count);
        await node.WaitForMetrics(m => m.GetValueOrDefault("akkarouter_backend_state{backend=\"cache-a\",state=\"up\"}") == 1, "cache-a's gauge says up");
    }

    [Fact(DisplayName = "/metrics carries the process's memory and the managed heap as the last collection left it")]
    public async Task Metrics_carry_process_memory_and_heap()
    {
        await using var node = await Start();
        GC.Collect(); // one collection in this process, so the after-collection figures exist
        var m = await node.Metrics();
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        // The node runs in the test host: its working set is this process's, within the drift of one scrape.
        var rss = m["process_working_set_bytes"];
        Assert.InRange(rss, self.WorkingSet64 * 0.5, self.WorkingSet64 * 2.0);
        Assert.True(m["dotnet_gc_heap_size_bytes"] > 0, "dotnet_gc_heap_size_bytes");
        Assert.True(m["dotnet_gc_committed_bytes"] >= m["dotnet_gc_heap_size_bytes"] - m["dotnet_gc_fragmented_bytes"],
            $"committed {m["dotnet_gc_committed_bytes"]} < heap {m["dotnet_gc_heap_size_bytes"]} - fragmented {m["dotnet_gc_fragmented_bytes"]}");
        Assert.True(m["dotnet_gc_heap_size_bytes"] < rss, "the managed heap is part of the working set");
        Assert.True(m["dotnet_collection_count_total{generation=\"2\"}"] >= 1, "a gen2 collection is counted");
        Assert.InRange(m["dotnet_gc_live_after_gen2_bytes"], 1, m["dotnet_gc_heap_size_bytes"]);
    }
}
