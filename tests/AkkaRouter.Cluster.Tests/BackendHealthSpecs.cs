using System.Globalization;
using AkkaRouter.Cluster.Tests.Harness;
using NginxProcess = AkkaRouter.Tests.Nginx.NginxProcess;
using RawRespClient = AkkaRouter.Tests.Support.RawRespClient;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// Health, slow start and operator overrides on a cluster of real processes: two routers and three backend
/// sidecars from the shipped HOCON files, each sidecar checking a real HTTP service with the shipped defaults
/// (tcp, interval 1s, timeout 500ms, rise 2, fall 3). backend-3 has a 6 s slow start. The scenarios share the
/// cluster and run in order.
/// </summary>
[TestCaseOrderer(ScenarioOrderer.Name, ScenarioOrderer.Assembly)]
public sealed class BackendHealthSpecs(HealthClusterFixture fixture, ITestOutputHelper output) : IClassFixture<HealthClusterFixture>
{
    /// <summary>fall × interval + 1 s with the shipped defaults: the target for a dead service to be off every router's ring.</summary>
    private static readonly TimeSpan DetectionTarget = TimeSpan.FromSeconds(3 * 1 + 1);

    /// <summary>
    /// What the suite asserts: twice the target, so a loaded CI machine does not fail on scheduling noise while a
    /// broken detection (a missed verdict, a lost write) still does. tests/AkkaRouter.Benchmarks/health-failover.sh
    /// measures against the target itself. Measured: 30 crashes min 2.35 s, p50 3.00 s, max 3.33 s (README); a suite
    /// run's 10 crashes max 3.18 s: 8 s is 2.4 times the slowest.
    /// </summary>
    private static readonly TimeSpan DetectionBound = 2 * DetectionTarget;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Crash/restart cycles: 10 in the suite (20 decisions), more from the benchmark script.</summary>
    private static readonly int CrashCycles =
        int.TryParse(Environment.GetEnvironmentVariable("AKKAROUTER_HEALTH_CYCLES"), out var cycles) && cycles > 0 ? cycles : 10;

    private ClusterHarness Cluster => fixture.Cluster;

    [Fact(DisplayName = "1. A service process dies under RESP and HTTP load (edges and nginx front): 0 failed requests, off every ring within fall x interval + 1 s, every router agrees; 20 decisions reach every router"), Scenario(1)]
    public Task Dead_service_leaves_every_ring_without_failed_requests() => Cluster.Run(output, async () =>
    {
        var prerequisite = NginxProcess.MissingPrerequisite();
        Assert.True(prerequisite is null, prerequisite);
        await Cluster.WaitForAgreement(3, Deadline);
        var backend = Cluster["backend-1"];
        var service = fixture.Services["backend-1"];
        var id = service.Endpoint;
        await using var nginx = await NginxProcess.Start(Cluster.Routers.Select(r => $"{r.Spec.Host}:{r.RespPort}"), Deadline);
        await using var http = HttpLoad.Start(
            [.. Cluster.Routers.Select(r => (r.Name, $"http://{r.Spec.Host}:{r.HttpPort}")), ("nginx", nginx.BaseAddress.ToString())],
            HealthClusterFixture.HttpKeys, clientsPerFront: 2);
        await using var lookups1 = LookupLoad.Start(fixture.Router1);
        await using var lookups2 = LookupLoad.Start(fixture.Router2);
        await http.AnsweredAtLeast(500, Deadline);

        var detections = new List<double>();
        var agreement = new List<double>();
        for (var cycle = 1; cycle <= CrashCycles; cycle++)
        {
            var crashed = DateTime.UtcNow;
            await service.Crash();
            var off = await EveryRouterLogged(crashed, $"{id} unhealthy");
            detections.Add((off - crashed).TotalMilliseconds);
            var decided = await backend.WaitForLine(l => l.Contains($"Backend {id} is unhealthy", StringComparison.Ordinal), Deadline, "unhealthy verdict", From(backend, crashed));
            agreement.Add((off - decided.At).TotalMilliseconds);
            await Cluster.WaitForAgreement(3, 2, Deadline);

            var restarted = DateTime.UtcNow;
            await service.Start();
            var on = await EveryRouterLogged(restarted, $"{id} up");
            var healthy = await backend.WaitForLine(l => l.Contains($"Backend {id} is up", StringComparison.Ordinal), Deadline, "up verdict", From(backend, restarted));
            agreement.Add((on - healthy.At).TotalMilliseconds);
            await Cluster.WaitForAgreement(3, Deadline);
        }
        await http.AnsweredAtLeast(200, Deadline);
        await http.Stop();

        var results = http.Results;
        output.WriteLine($"HTTP: {results.Count} requests through router-1's edge, router-2's edge and the nginx front, {http.FailureCount} failed; " +
            string.Join(", ", results.GroupBy(r => r.Router).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        output.WriteLine($"RESP: {lookups1.Answers + lookups2.Answers} lookups, {lookups1.FailureCount + lookups2.FailureCount} failed");
        var overTarget = detections.Count(d => d > DetectionTarget.TotalMilliseconds);
        output.WriteLine($"service crash -> off every router's ring, {CrashCycles} crashes: {Distribution(detections)} " +
            $"(target {DetectionTarget.TotalMilliseconds:0} ms: {overTarget} over)");
        output.WriteLine($"sidecar verdict -> every router's new ring, {agreement.Count} decisions: {Distribution(agreement)}");
        Assert.True(http.FailureCount == 0, $"{http.FailureCount} HTTP requests failed:\n{http.FailureSample}\n{nginx.Diagnostics()}");
        Assert.True(lookups1.FailureCount + lookups2.FailureCount == 0, lookups1.FailureSample + lookups2.FailureSample);
        Assert.All(detections, d => Assert.True(d <= DetectionBound.TotalMilliseconds, $"off the ring after {d:0} ms: {Distribution(detections)}"));
        Assert.True(agreement.Count >= 20);
    });

    [Fact(DisplayName = "2. Slow start: a recovered backend comes back warming in steps; each step moves keys only to it (<= 1.10 x its share change) and every router goes through the same rings"), Scenario(2)]
    public Task Recovered_backend_warms_up_in_steps() => Cluster.Run(output, async () =>
    {
        await Cluster.WaitForAgreement(3, Deadline);
        var service = fixture.Services["backend-3"];
        var id = service.Endpoint;
        var crashed = DateTime.UtcNow;
        await service.Crash();
        await EveryRouterLogged(crashed, $"{id} unhealthy");
        await Cluster.WaitForAgreement(3, 2, Deadline);

        await using var client = await RawRespClient.Connect(fixture.Router1.Spec.Host, fixture.Router1.RespPort);
        var steps = new List<(string Checksum, string[] Owners, double Share, string State)>();
        async Task Snapshot()
        {
            var checksum = (await client.RingInfo())["checksum"];
            if (steps.Count > 0 && steps[^1].Checksum == checksum)
                return;
            var owners = await client.Owners(RouterClusterFixture.Keys);
            var node = (await Nodes(client)).Single(n => n["id"] == id);
            if ((await client.RingInfo())["checksum"] != checksum)
                return; // the ring moved while we read it: read again
            steps.Add((checksum, owners, double.Parse(node["share"], CultureInfo.InvariantCulture), node["state"]));
        }
        await Snapshot();
        var restarted = DateTime.UtcNow;
        await service.Start();
        await Eventually.True(async () =>
        {
            await Snapshot();
            return steps[^1].State == "up";
        }, Deadline, "backend-3 back to up");

        output.WriteLine($"router-1's rings from the restart on: {string.Join(" -> ", steps.Select(s => $"{s.State} {s.Share:P2}"))}");
        Assert.Contains(steps, s => s.State == "warming");
        Assert.True(steps.Count >= 4, $"expected the unhealthy ring, at least two warming steps and the full weight; saw {steps.Count}");
        for (var i = 1; i < steps.Count; i++)
        {
            var (before, after) = (steps[i - 1], steps[i]);
            var moved = Enumerable.Range(0, before.Owners.Length).Where(k => before.Owners[k] != after.Owners[k]).ToArray();
            var elsewhere = moved.Count(k => after.Owners[k] != id);
            var fraction = (double)moved.Length / before.Owners.Length;
            var gained = after.Share - before.Share;
            output.WriteLine($"step {i}: {before.State} -> {after.State}, share {before.Share:P2} -> {after.Share:P2}; " +
                $"{moved.Length} of {before.Owners.Length} sampled keys moved ({fraction:P2}, {fraction / gained:0.000} x the share change), {elsewhere} to another backend");
            Assert.Equal(0, elsewhere);
            Assert.True(gained > 0, $"step {i}: backend-3's share did not grow");
            Assert.True(fraction <= 1.10 * gained, $"step {i}: {fraction:P2} of keys moved for a share change of {gained:P2}");
        }

        // Every router went through the same sequence of rings: agreement at every step. Log lines arrive after
        // the RESP answers that saw the ring, so first wait for every router to have logged the last one since the
        // restart (the final ring is the ring from before the crash: an earlier line with its checksum does not count).
        await Eventually.True(() => Cluster.Routers.All(r => r.Rings.Any(x => x.At >= restarted && x.Checksum == steps[^1].Checksum)), Deadline,
            "every router logged the final ring");
        var sequences = Cluster.Routers.Select(r => r.Rings.Where(x => x.At >= restarted).Select(x => x.Checksum).Distinct().ToArray()).ToArray();
        Assert.Equal(sequences[0], sequences[1]);
        Assert.Equal(steps.Select(s => s.Checksum).Skip(1), sequences[0].Where(c => steps.Any(s => s.Checksum == c)));
    });

    [Fact(DisplayName = "3. Drain and undrain through the palette and the management API under load: 0 failed requests, the keys leave every ring and exactly they come back"), Scenario(3)]
    public Task Drain_and_undrain_under_load() => Cluster.Run(output, async () =>
    {
        await Cluster.WaitForAgreement(3, Deadline);
        var id = fixture.Services["backend-2"].Endpoint;
        var before1 = await RouterClusterFixture.Owners(fixture.Router1);
        await using var http = HttpLoad.Start(Cluster.Routers, HealthClusterFixture.HttpKeys);
        await using var lookups = LookupLoad.Start(fixture.Router2);
        await http.AnsweredAtLeast(300, Deadline);

        foreach (var (drainVia, undrainVia) in new[] { ("palette", "management"), ("management", "palette") })
        {
            var drained = DateTime.UtcNow;
            var answer = await Override(drainVia, "drain", id);
            output.WriteLine($"drain via {drainVia}: {answer}");
            var off = await EveryRouterLogged(drained, $"{id} drained");
            output.WriteLine($"drain command -> every router's ring: {(off - drained).TotalMilliseconds:0} ms");
            foreach (var router in Cluster.Routers)
                Assert.DoesNotContain(id, await RouterClusterFixture.Owners(router));
            await http.AnsweredAtLeast(300, Deadline);

            var undrained = DateTime.UtcNow;
            answer = await Override(undrainVia, "undrain", id);
            output.WriteLine($"undrain via {undrainVia}: {answer}");
            await EveryRouterLogged(undrained, $"{id} undrained");
            await Cluster.WaitForAgreement(3, Deadline);
            foreach (var router in Cluster.Routers)
                Assert.Equal(before1, await RouterClusterFixture.Owners(router));
            await http.AnsweredAtLeast(300, Deadline);
        }
        await http.Stop();
        output.WriteLine($"HTTP: {http.Results.Count} requests, {http.FailureCount} failed; RESP: {lookups.Answers} lookups, {lookups.FailureCount} failed");
        Assert.True(http.FailureCount == 0, http.FailureSample);
        Assert.True(lookups.FailureCount == 0, lookups.FailureSample);
    });

    [Fact(DisplayName = "4. A service that accepts connections and never answers goes unhealthy by the http check's timeout"), Scenario(4)]
    public Task Hung_service_goes_unhealthy_by_timeout() => Cluster.Run(output, async () =>
    {
        await using var service = new HangingService();
        var started = DateTime.UtcNow;
        var node = Cluster.StartBackend("backend-4", service.Endpoint, new Dictionary<string, string>
        {
            ["AKKAROUTER__AKKA_ROUTER__NODE__HEALTH_CHECK__TYPE"] = "http",
        });
        try
        {
            await node.WaitUntilUp(ClusterHarness.StartTimeout);
            // Up on every ring: passes its http checks while the service answers.
            await Cluster.WaitForAgreement(4, Deadline);
            var hung = DateTime.UtcNow;
            service.Hang();
            var off = await EveryRouterLogged(hung, $"{service.Endpoint} unhealthy");
            await using var client = await RawRespClient.Connect(fixture.Router2.Spec.Host, fixture.Router2.RespPort);
            var entry = (await Nodes(client)).Single(n => n["id"] == service.Endpoint);
            output.WriteLine($"hang -> off every ring: {(off - hung).TotalMilliseconds:0} ms; RING.NODES: state {entry["state"]}, reason '{entry["reason"]}'");
            Assert.Equal("unhealthy", entry["state"]);
            Assert.Contains("timed out", entry["reason"]);
            Assert.Equal("0", entry["effective-weight"]);
            // fall checks started 1 s apart (+10% jitter), the last failing by the 500 ms timeout, + 1 s; twice
            // that, as for the crash bound (9.6 s; measured 2.8 s in a suite run).
            Assert.True(off - hung <= 2 * TimeSpan.FromSeconds(3 * 1.1 + 0.5 + 1), $"{(off - hung).TotalMilliseconds:0} ms");
        }
        finally
        {
            node.Terminate();
            await node.WaitForExit(TimeSpan.FromSeconds(30));
        }
        await Cluster.WaitForAgreement(3, Deadline);
    });

    [Fact(DisplayName = "5. A flapping service (down about 1 s, up about 2 s) never changes the ring: fall = 3 failures in a row are never reached"), Scenario(5)]
    public Task Flapping_service_does_not_change_the_ring() => Cluster.Run(output, async () =>
    {
        await Cluster.WaitForAgreement(3, Deadline);
        var service = fixture.Services["backend-2"];
        var checksum = await Cluster.WaitForAgreement(3, Deadline);
        var started = DateTime.UtcNow;
        // Checks run 1 s apart (+10 % jitter), so 3 failures in a row need the service down for more than 2 s. Down
        // 0.8 s plus the restart itself (0.1-0.3 s measured; a CI run under load once stretched a 1.5 s down to 3
        // failing checks) keeps every down window well under that; each window is measured and printed.
        var windows = new List<double>();
        for (var flap = 0; flap < 4; flap++)
        {
            var down = DateTime.UtcNow;
            await service.Crash();
            await Task.Delay(TimeSpan.FromSeconds(0.8));
            await service.Start();
            windows.Add((DateTime.UtcNow - down).TotalMilliseconds);
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        output.WriteLine($"down windows: {string.Join(", ", windows.Select(w => $"{w:0} ms"))}");
        var failures = Cluster["backend-2"].Lines.Count(l => l.At >= started && l.Text.Contains("is unhealthy", StringComparison.Ordinal));
        var changes = Cluster.Routers.SelectMany(r => r.Rings).Count(r => r.At >= started);
        output.WriteLine($"{(DateTime.UtcNow - started).TotalSeconds:0} s of flapping: {changes} ring changes on the routers, {failures} unhealthy verdicts on backend-2's sidecar");
        Assert.Equal(0, failures);
        Assert.Equal(0, changes);
        Assert.Equal(checksum, await Cluster.WaitForAgreement(3, Deadline));
    });

    [Fact(DisplayName = "6. State-aware weight: a backend's cache hit rate sets its effective weight identically on every router, a noisy signal leaves the ring still, and a recovered hit rate restores the full weight"), Scenario(6)]
    public Task Signals_set_the_weight_on_every_router() => Cluster.Run(output, async () =>
    {
        await Cluster.WaitForAgreement(3, Deadline);
        var service = await BackendService.Start("backend-5");
        service.CacheHitRatio = 0.2;
        var id = service.Endpoint;
        var node = Cluster.StartBackend("backend-5", id, new Dictionary<string, string>
        {
            ["AKKAROUTER__AKKA_ROUTER__NODE__SIGNALS__URL"] = $"http://{id}/metrics",
            ["AKKAROUTER__AKKA_ROUTER__NODE__SIGNALS__INTERVAL"] = "500ms",
            ["AKKAROUTER__AKKA_ROUTER__NODE__SIGNALS__WINDOW"] = "2s",
            // No pause between changes and no movement budget: the scenario checks where the weight settles.
            ["AKKAROUTER__AKKA_ROUTER__NODE__SIGNALS__DAMPING__MIN_INTERVAL"] = "0s",
            ["AKKAROUTER__AKKA_ROUTER__NODE__SIGNALS__DAMPING__MAX_MOVED_PER_MINUTE"] = "1",
        });
        try
        {
            await node.WaitUntilUp(ClusterHarness.StartTimeout);
            // score = 0.4 x 1 + 0.35 x 0.2 + 0.25 / 1 = 0.72, quantised to 0.7.
            var low = await EffectiveWeightEverywhere(id, "0.7");
            output.WriteLine($"hit rate 0.2 -> effective weight 0.7 on every router, checksum {low}");
            var explain = Assert.IsType<object?[]>(await ExplainOn(fixture.Router2, id));
            var candidate = explain.Select(c => ((object?[])c!).Chunk(2).ToDictionary(p => (string)p[0]!, p => (string)p[1]!)).Single(c => c["id"] == id);
            Assert.Equal(("0.2", "1", "0.72"), (candidate["cache-hit-rate"], candidate["zone-cost"], candidate["score"]));

            // Noise of ±0.04 around 0.2 stays inside the quantum and the minimum change: the ring does not move.
            var noiseFrom = DateTime.UtcNow;
            for (var i = 0; i < 8; i++)
            {
                service.CacheHitRatio = i % 2 == 0 ? 0.24 : 0.16;
                var target = service.Scrapes + 2;
                await Eventually.True(() => service.Scrapes >= target, Deadline, "the sidecar reads the signals twice more");
            }
            var moved = Cluster.Routers.SelectMany(r => r.Rings).Count(r => r.At >= noiseFrom);
            output.WriteLine($"16 readings of a noisy hit rate (0.16-0.24): {moved} ring changes");
            Assert.Equal(0, moved);

            service.CacheHitRatio = 1.0;
            var full = await EffectiveWeightEverywhere(id, "1");
            output.WriteLine($"hit rate 1.0 -> effective weight 1 on every router, checksum {full}");
        }
        finally
        {
            node.Terminate();
            await node.WaitForExit(TimeSpan.FromSeconds(30));
            await service.DisposeAsync();
        }
        await Cluster.WaitForAgreement(3, Deadline);
    });

    // Waits until every router shows the backend at this effective weight with equal checksums; returns the checksum.
    private async Task<string> EffectiveWeightEverywhere(string id, string weight)
    {
        string? checksum = null;
        await Eventually.True(async () =>
        {
            var seen = new List<(string Weight, string Checksum)>();
            foreach (var router in Cluster.Routers)
            {
                await using var client = await RawRespClient.Connect(router.Spec.Host, router.RespPort);
                var entry = (await Nodes(client)).SingleOrDefault(n => n["id"] == id);
                seen.Add((entry?["effective-weight"] ?? "", (await client.RingInfo())["checksum"]));
            }
            checksum = seen[0].Checksum;
            return seen.All(s => s.Weight == weight && s.Checksum == checksum);
        }, Deadline, $"{id} at effective weight {weight} on every router with one checksum");
        return checksum!;
    }

    private static async Task<object?> ExplainOn(ClusterNode router, string id)
    {
        await using var client = await RawRespClient.Connect(router.Spec.Host, router.RespPort);
        // Any key: every candidate is listed.
        var reply = Assert.IsType<object?[]>(await client.Command("RING.EXPLAIN", "/documents/abc"));
        return reply.Chunk(2).Single(p => (string)p[0]! == "candidates")[1];
    }

    /// <summary>Waits until every running router published a ring after <paramref name="since"/> whose reason names <paramref name="change"/>; returns when the last one did.</summary>
    private async Task<DateTime> EveryRouterLogged(DateTime since, string change)
    {
        var lines = await Task.WhenAll(Cluster.Routers.Where(r => !r.HasExited).Select(r =>
            r.WaitForRing(x => x.At >= since && x.Text.Contains(change, StringComparison.Ordinal), Deadline, $"a ring for '{change}'")));
        return lines.Max(l => l.At);
    }

    private static int From(ClusterNode node, DateTime since)
    {
        var lines = node.Lines;
        var index = lines.Count;
        while (index > 0 && lines[index - 1].At >= since)
            index--;
        return index;
    }

    private async Task<string> Override(string via, string verb, string id)
    {
        if (via == "palette")
        {
            await using var palette = await RawRespClient.Connect(fixture.Router1.Spec.Host, fixture.Router1.CmdPort);
            var reply = await palette.Command("ring", verb, "-b", id);
            return reply as string ?? throw new InvalidOperationException($"ring {verb} answered {reply}");
        }
        using var client = new HttpClient();
        using var response = await client.PostAsync($"http://{fixture.Router2.Spec.Host}:{fixture.Router2.ManagementPort}/api/backends/{id}/{verb}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {verb}: {(int)response.StatusCode} {body}");
        return body.Trim();
    }

    private static async Task<List<Dictionary<string, string>>> Nodes(RawRespClient client)
    {
        var reply = await client.Command("RING.NODES") as object?[] ?? throw new InvalidDataException("RING.NODES answered no array");
        return reply.Select(n => ((object?[])n!).Chunk(2).ToDictionary(p => (string)p[0]!, p => (string)p[1]!)).ToList();
    }

    private static string Distribution(List<double> ms)
    {
        var sorted = ms.Order().ToArray();
        double At(double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(q * sorted.Length) - 1)];
        return $"min {sorted[0]:0} ms, p50 {At(0.5):0} ms, p99 {At(0.99):0} ms, max {sorted[^1]:0} ms";
    }
}
