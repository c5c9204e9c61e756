using Akka.Actor;
using Akka.DistributedData;
using AkkaRouter.Placement;
using AkkaRouter.State;
using AkkaRouter.Tests.Http;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Health;

/// <summary>
/// Static backends checked by the health singleton (akka-router.health-check) on a router node with the production
/// wiring: real services, real refused connections, the verdicts seen through RING.NODES, DBSIZE, GET and /metrics.
/// </summary>
public class StaticHealthSpecs
{
    // Short checks keep the specs fast: a verdict takes about two intervals.
    private const string FastChecks = "akka-router.health-check { interval = 200ms, timeout = 100ms, rise = 2, fall = 2 }\n";

    private const string KeptOnReason = "failing health checks (connection refused); kept on the ring: more than 0.5 of the backends are unhealthy";

    private static string StaticBackends(params string[] endpoints) =>
        $"akka-router.static-backends = [ {string.Join(", ", endpoints.Select(e => $"{{ endpoint = \"{e}\" }}"))} ]\n";

    /// <summary>
    /// A port of 127.0.0.1 where nothing listens, held for the test: connecting to it is refused, and no other
    /// socket can start listening there and answer the checks.
    /// </summary>
    private static ReservedPort DeadPort() => new();

    private static string State(string backend, string state) => $"akkarouter_backend_state{{backend=\"{backend}\",state=\"{state}\"}}";

    private static string Failures(string backend) => $"akkarouter_health_check_failures_total{{backend=\"{backend}\"}}";

    private static bool Refused(RingNode node) => node.State == "unhealthy" && node.Reason == "connection refused";

    [Fact(DisplayName = "tcp check: a live backend is up and owns every key, a refused one is unhealthy ('connection refused') and owns none; a listener on its port brings it back up")]
    public async Task Tcp_check_takes_a_refused_backend_off_and_back()
    {
        await using var live = await TestBackend.Start("live");
        using var deadPort = DeadPort();
        var dead = deadPort.Endpoint;
        await using var node = await OperatedNode.Start(FastChecks + StaticBackends(live.Endpoint, dead));

        var nodes = await node.WaitForNodes(n => n[live.Endpoint].State == "up" && Refused(n[dead]),
            "the live backend is up and the dead one unhealthy with 'connection refused'");
        Assert.Equal(("1", 1.0, ""), (nodes[live.Endpoint].EffectiveWeight, nodes[live.Endpoint].Share, nodes[live.Endpoint].Reason));
        Assert.Equal(("1", "0", 0.0), (nodes[dead].Weight, nodes[dead].EffectiveWeight, nodes[dead].Share));
        Assert.Equal(1L, await node.DbSize());
        Assert.All(await node.Owners([.. Enumerable.Range(0, 200).Select(i => $"/documents/{i}")]), owner => Assert.Equal(live.Endpoint, owner));
        var (ring, backends) = await node.ApiRing();
        Assert.Equal((2, 1), (ring.GetProperty("members").GetInt32(), ring.GetProperty("owners").GetInt32()));
        Assert.Equal("unhealthy", backends[dead].GetProperty("state").GetString());
        Assert.Equal("connection refused", backends[dead].GetProperty("reason").GetString());

        var metrics = await node.WaitForMetrics(m => m.GetValueOrDefault(State(dead, "unhealthy")) == 1, "the dead backend's gauge says unhealthy");
        Assert.Equal(1, metrics[State(dead, "unhealthy")]);
        Assert.Equal(0, metrics[State(dead, "up")]);
        Assert.Equal(1, metrics[State(live.Endpoint, "up")]);
        Assert.Equal(0, metrics[State(live.Endpoint, "unhealthy")]);
        Assert.True(metrics[Failures(dead)] >= 2, $"failed checks of {dead}: {metrics[Failures(dead)]}");
        Assert.Equal(0, metrics.GetValueOrDefault(Failures(live.Endpoint)));
        Assert.True(metrics[$"akkarouter_health_check_duration_seconds_count{{backend=\"{live.Endpoint}\"}}"] >= 2);

        // Released just before the listener binds it: only a socket binding this very port in between could take it.
        deadPort.Dispose();
        await using var revived = await TestBackend.StartOn("revived", deadPort.Port);
        var back = await node.WaitForNodes(n => n[dead].State == "up", "the revived backend is up");
        Assert.Equal(("1", ""), (back[dead].EffectiveWeight, back[dead].Reason));
        Assert.InRange(back[dead].Share, 0.3, 0.7);
        Assert.Equal(2L, await node.DbSize());
        metrics = await node.WaitForMetrics(m => m.GetValueOrDefault(State(dead, "up")) == 1, "the revived backend's gauge says up");
        Assert.Equal(1, metrics[State(dead, "up")]);
        Assert.Equal(0, metrics[State(dead, "unhealthy")]);
    }

    [Fact(DisplayName = "http check: a backend whose check path answers 500 is unhealthy with a reason naming the path and the status")]
    public async Task Http_check_500_is_unhealthy()
    {
        await using var backend = await TestBackend.Start("failing");
        // A single backend: without lifting the guard it would be kept on (1 of 1 is more than half).
        await using var node = await OperatedNode.Start(FastChecks + StaticBackends(backend.Endpoint) + """
            akka-router.health-check { type = http, path = "/status/500" }
            akka-router.placement.max-unhealthy-fraction = 1.0
            """);

        var nodes = await node.WaitForNodes(n => n[backend.Endpoint].State == "unhealthy" && n[backend.Endpoint].Reason != BackendPlacement.AwaitingVerdict,
            "the backend is unhealthy by its checks");
        Assert.Equal(("GET /status/500 answered 500", "0"), (nodes[backend.Endpoint].Reason, nodes[backend.Endpoint].EffectiveWeight));
        Assert.Equal(0L, await node.DbSize());
        Assert.Equal(new RespErrorReply("ERR no backends in ring"), await node.Resp("GET", "/documents/abc"));
        // The check is a real GET of the path, one connection each, named as a health check.
        var checks = backend.Seen.ToArray();
        Assert.True(checks.Length >= 2, $"{checks.Length} checks seen");
        Assert.All(checks, c => Assert.Equal(("GET", "/status/500", "akkarouter-health-check", "close"), (c.Method, c.Path, c.Headers["User-Agent"], c.Headers["Connection"])));
        await node.WaitForMetrics(m => m.GetValueOrDefault(State(backend.Endpoint, "unhealthy")) == 1, "the backend's gauge says unhealthy");
    }

    [Theory(DisplayName = "http check: 2xx and 3xx answers (redirects not followed) make the backend up")]
    [InlineData(200)]
    [InlineData(302)]
    public async Task Http_check_2xx_3xx_is_up(int status)
    {
        await using var backend = await TestBackend.Start("passing");
        await using var node = await OperatedNode.Start(FastChecks + StaticBackends(backend.Endpoint) +
            $"akka-router.health-check {{ type = http, path = \"/status/{status}\" }}\n");

        var nodes = await node.WaitForNodes(n => n[backend.Endpoint].State == "up", "the backend is up");
        Assert.Equal(("1", 1.0, ""), (nodes[backend.Endpoint].EffectiveWeight, nodes[backend.Endpoint].Share, nodes[backend.Endpoint].Reason));
        Assert.Equal(backend.Endpoint, await node.Resp("GET", "/documents/abc"));
        Assert.All(backend.Seen, c => Assert.Equal($"/status/{status}", c.Path));
    }

    [Fact(DisplayName = "Guard: with all 3 static backends refusing and max-unhealthy-fraction 0.5, exactly the first to fail is off; the 2 others stay up with a reason naming the limit")]
    public async Task Guard_keeps_all_but_one_dead_backend_on()
    {
        using var dead1 = DeadPort();
        using var dead2 = DeadPort();
        using var dead3 = DeadPort();
        var dead = new[] { dead1, dead2, dead3 }.Select(p => p.Endpoint).ToHashSet();
        await using var node = await OperatedNode.Start(FastChecks + StaticBackends([.. dead]));

        var nodes = await node.WaitForNodes(n => n.Values.All(b => b.Reason != BackendPlacement.AwaitingVerdict) && n.Values.Count(b => b.State == "unhealthy") == 1,
            "every backend has a verdict and exactly one is off");
        // BackendPlacement keeps the most recently failed on: the one left off is the earliest failure in the
        // replicated state (on a tie of the failure time, the greatest id).
        var table = await ReplicatedState(node);
        Assert.All(dead, id => Assert.True(table.Health[id] is { Status: HealthStatus.Unhealthy, Reason: "connection refused" }, table.Health[id].ToString()));
        var off = dead.OrderBy(id => table.Health[id].SinceUnixMs).ThenByDescending(id => id, StringComparer.Ordinal).First();
        Assert.True(Refused(nodes[off]), nodes[off].ToString());
        Assert.Equal(("0", 0.0), (nodes[off].EffectiveWeight, nodes[off].Share));
        foreach (var kept in dead.Where(id => id != off))
        {
            Assert.Equal(("up", "1", KeptOnReason), (nodes[kept].State, nodes[kept].EffectiveWeight, nodes[kept].Reason));
            Assert.InRange(nodes[kept].Share, 0.3, 0.7);
        }
        Assert.Equal(2L, await node.DbSize());

        var metrics = await node.WaitForMetrics(m => m.GetValueOrDefault(State(off, "unhealthy")) == 1, "the gauge of the backend off says unhealthy");
        Assert.Equal(1, metrics[State(off, "unhealthy")]);
        foreach (var kept in dead.Where(id => id != off))
            Assert.Equal((1.0, 0.0), (metrics[State(kept, "up")], metrics[State(kept, "unhealthy")]));
        Assert.All(dead, id => Assert.True(metrics[Failures(id)] >= 2, $"failed checks of {id}: {metrics[Failures(id)]}"));
    }

    [Fact(DisplayName = "Guard: backends failing one after another: the first goes off, the next two are kept on; when the first recovers, the earlier of the two goes off")]
    public async Task Guard_keeps_the_most_recent_failures_on()
    {
        var services = new List<TestBackend> { await TestBackend.Start("a"), await TestBackend.Start("b"), await TestBackend.Start("c") };
        try
        {
            var ids = services.Select(s => s.Endpoint).ToArray();
            var (a, b, c) = (ids[0], ids[1], ids[2]);
            await using var node = await OperatedNode.Start(FastChecks + StaticBackends(ids));
            await node.WaitForNodes(n => ids.All(id => n[id].State == "up" && n[id].Reason == ""), "all three are up");

            await services[0].Kill();
            await node.WaitForNodes(n => Refused(n[a]), "a is off");
            Assert.Equal(2L, await node.DbSize());

            await services[1].Kill();
            var two = await node.WaitForNodes(n => n[b].Reason == KeptOnReason, "b is kept on");
            Assert.True(Refused(two[a]) && two[b].State == "up" && two[c] is { State: "up", Reason: "" }, string.Join("; ", two.Values));

            await services[2].Kill();
            var three = await node.WaitForNodes(n => n[c].Reason == KeptOnReason, "c is kept on");
            Assert.True(Refused(three[a]) && three[b].Reason == KeptOnReason && three[c].State == "up", string.Join("; ", three.Values));
            Assert.Equal(2L, await node.DbSize());

            services[0] = await TestBackend.StartOn("a again", int.Parse(a.Split(':')[1]));
            var recovered = await node.WaitForNodes(n => n[a] is { State: "up", Reason: "" }, "a is up again");
            Assert.True(Refused(recovered[b]) && recovered[c] is { State: "up", Reason: KeptOnReason }, string.Join("; ", recovered.Values));
            Assert.Equal(2L, await node.DbSize());
        }
        finally
        {
            foreach (var service in services)
                await service.DisposeAsync();
        }
    }

    private static async Task<BackendStateTable> ReplicatedState(OperatedNode node)
    {
        var replicator = DistributedData.Get(node.Node.System).Replicator;
        var reply = await replicator.Ask<IGetResponse>(Dsl.Get(ReplicatedBackendState.Key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
        return Assert.IsType<GetSuccess>(reply).Get(ReplicatedBackendState.Key).Table;
    }
}
