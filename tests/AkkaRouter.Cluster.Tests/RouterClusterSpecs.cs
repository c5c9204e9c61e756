using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// Two routers and three backend sidecars as real processes, started from the shipped HOCON files.
/// The scenarios share one cluster and run in order: each changes it the way the next expects
/// (join a 4th backend, it leaves, a backend crashes and restarts, a router crashes).
/// </summary>
[TestCaseOrderer(ScenarioOrderer.Name, ScenarioOrderer.Assembly)]
public sealed class RouterClusterSpecs(RouterClusterFixture fixture, ITestOutputHelper output) : IClassFixture<RouterClusterFixture>
{
    /// <summary>
    /// Scenario 4's bound: a crashed backend is off every router's ring within this, with the shipped HOCON. Measured
    /// 2.7-4.1 s (README, Reliability table: kill -9 -> off every router's ring 3.1-4.1 s; a suite run 2.7/3.1 s), so
    /// 5 s left under 1 s for a loaded machine; twice the slowest measured says a detection that works, and a broken
    /// one (no unreachable mark, no removal) still fails.
    /// </summary>
    private static readonly TimeSpan CrashDetectionBound = TimeSpan.FromSeconds(8);

    /// <summary>How long a SIGTERMed node may take to leave and exit (RouterNode.ShutdownTimeout).</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private ClusterHarness Cluster => fixture.Cluster;

    [Fact(DisplayName = "1. Agreement: both routers give the same owner for 30,000 keys and the same RING.INFO checksum"), Scenario(1)]
    public Task Routers_agree_on_every_owner() => Cluster.Run(output, async () =>
    {
        var checksum = await Cluster.WaitForAgreement(3, Deadline);
        var owners1 = await RouterClusterFixture.Owners(fixture.Router1);
        var owners2 = await RouterClusterFixture.Owners(fixture.Router2);

        var differing = Enumerable.Range(0, owners1.Length).Where(i => owners1[i] != owners2[i]).ToArray();
        Assert.True(differing.Length == 0, $"{differing.Length} of {owners1.Length} keys differ, e.g. " +
            string.Join(", ", differing.Take(5).Select(i => $"{RouterClusterFixture.Keys[i]}: {owners1[i]} vs {owners2[i]}")));
        Assert.Equal(Cluster.Backends.Select(b => b.Spec.ServiceEndpoint).Order(), owners1.Distinct().Order());
        Assert.Equal(checksum, await RouterClusterFixture.Checksum(fixture.Router1));
        Assert.Equal(checksum, await RouterClusterFixture.Checksum(fixture.Router2));
        output.WriteLine($"30,000 keys, identical owners on both routers; RING.INFO checksum {checksum} on both");
    });

    [Fact(DisplayName = "2. Join: a 4th backend takes about 1/4 of the keys, and only keys that move to it change owner"), Scenario(2)]
    public Task Join_moves_keys_only_to_the_new_backend() => Cluster.Run(output, async () =>
    {
        await Cluster.WaitForAgreement(3, Deadline);
        var before = await RouterClusterFixture.Owners(fixture.Router1);

        var started = DateTime.UtcNow;
        var joiner = await fixture.StartBackend("backend-4");
        await joiner.WaitUntilUp(ClusterHarness.StartTimeout);
        await Cluster.WaitForAgreement(4, Deadline);
        output.WriteLine($"timing: backend-4 process start -> on both routers' rings: {Since(started, RingReached(4, started))}");

        var after1 = await RouterClusterFixture.Owners(fixture.Router1);
        var after2 = await RouterClusterFixture.Owners(fixture.Router2);
        Assert.Equal(after1, after2);

        var moved = Enumerable.Range(0, before.Length).Where(i => before[i] != after1[i]).ToArray();
        var wrong = moved.Where(i => after1[i] != joiner.Spec.ServiceEndpoint).ToArray();
        Assert.True(wrong.Length == 0, $"{wrong.Length} keys moved to a backend other than the new one, e.g. " +
            string.Join(", ", wrong.Take(5).Select(i => $"{RouterClusterFixture.Keys[i]}: {before[i]} -> {after1[i]}")));
        var fraction = (double)moved.Length / before.Length;
        output.WriteLine($"{moved.Length} of {before.Length} keys moved ({fraction:P2}), all to backend-4; bound 1.10 x 1/4 = 27.50%");
        Assert.True(fraction <= 1.10 / 4, $"{fraction:P2} of keys moved, more than 1.10 x 1/4");
        Assert.True(fraction > 0, "no key moved to the new backend");
    });

    [Fact(DisplayName = "3. Graceful leave: SIGTERM on a backend under RESP and HTTP load loses no lookup and no request, its keys included, and the node exits 0"), Scenario(3)]
    public Task Graceful_leave_under_load_loses_no_lookup() => Cluster.Run(output, async () =>
    {
        var leaver = Cluster.Nodes.FirstOrDefault(n => n.Name == "backend-4" && !n.HasExited);
        if (leaver is null)
        {
            leaver = await fixture.StartBackend("backend-4b");
            await leaver.WaitUntilUp(ClusterHarness.StartTimeout);
        }
        await Cluster.WaitForAgreement(4, Deadline);
        var service = fixture.Services[leaver.Name];
        // The same keys for RESP and HTTP, so the load names the leaver's keys (about a quarter) until its ring change.
        var ownersBefore = await RouterClusterFixture.Owners(fixture.Router1);
        bool LeaverKey(int key) => ownersBefore[key] == leaver.Spec.ServiceEndpoint;

        await using var load1 = LookupLoad.Start(fixture.Router1, keys: RouterClusterFixture.Keys);
        await using var load2 = LookupLoad.Start(fixture.Router2, keys: RouterClusterFixture.Keys);
        await using var http = HttpLoad.Start(Cluster.Routers, RouterClusterFixture.Keys);
        await load1.AnsweredAtLeast(1000, Deadline);
        await load2.AnsweredAtLeast(1000, Deadline);
        await http.AnsweredAtLeast(500, Deadline);

        var terminated = leaver.Terminate();
        var exitCode = await leaver.WaitForExit(ShutdownTimeout);
        var exited = leaver.ExitedAt ?? DateTime.UtcNow;
        await Cluster.WaitForAgreement(3, Deadline);
        // The sidecar is gone and no router sends it anything: its service may go (in-flight requests drain).
        await service.Stop(TimeSpan.FromSeconds(5));
        await load1.AnsweredAtLeast(1000, Deadline);
        await load2.AnsweredAtLeast(1000, Deadline);
        await http.AnsweredAtLeast(500, Deadline);
        await http.Stop();

        var results = http.Results;
        var byLeaver = results.Where(r => r.ServedBy == leaver.Name).ToArray();
        var failedOver = results.Count(r => r.Tried.Length > 1);

        // The window that matters: from SIGTERM until this router's ring no longer gives the leaver keys.
        var ringChange = Cluster.Routers.ToDictionary(r => r.Name,
            r => r.Rings.First(x => x.At >= terminated && x.Owners == 3).At);
        bool InWindow(DateTime sent, string router) => sent >= terminated && sent < ringChange[router];
        var respInWindow = new[] { (Load: load1, Router: fixture.Router1.Name), (Load: load2, Router: fixture.Router2.Name) }
            .Sum(l => l.Load.Answered.Count(a => LeaverKey(a.Key) && InWindow(a.Sent, l.Router)));
        var httpInWindow = results.Where(r => LeaverKey(r.Key) && InWindow(r.Sent, r.Router)).ToArray();
        output.WriteLine($"timing: SIGTERM -> off both routers' rings: {Since(terminated, RingReached(3, terminated))}; SIGTERM -> process exit: {(exited - terminated).TotalMilliseconds:0} ms");
        output.WriteLine($"window SIGTERM -> ring change: {string.Join(", ", ringChange.Select(p => $"{p.Key} {(p.Value - terminated).TotalMilliseconds:0} ms"))}; " +
            $"requests for {leaver.Name}'s keys sent in it: {respInWindow} RESP lookups answered, {httpInWindow.Length} HTTP requests " +
            $"({httpInWindow.Count(r => r.Ok)} answered; served by {string.Join(", ", httpInWindow.Where(r => r.Ok).GroupBy(r => r.ServedBy).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))})");
        output.WriteLine($"lookups answered during the leave: router-1 {load1.Answers}, router-2 {load2.Answers}; failures {load1.FailureCount + load2.FailureCount}");
        output.WriteLine($"HTTP requests during the leave: {results.Count} sent through both edges, {http.FailureCount} failed, {failedOver} retried on another backend; " +
            $"served by {string.Join(", ", http.ServedBy().OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
        output.WriteLine($"{leaver.Name}'s service: last request served {Since(terminated, byLeaver.Select(r => r.At).DefaultIfEmpty().Max())} after SIGTERM");
        Assert.True(exitCode == 0, $"{leaver.Name} exited with {exitCode}");
        Assert.True(load1.FailureCount + load2.FailureCount == 0, "failed lookups:\n" + load1.FailureSample + "\n" + load2.FailureSample);
        Assert.True(http.FailureCount == 0, $"{http.FailureCount} of {results.Count} HTTP requests failed:\n" + http.FailureSample);
        Assert.True(byLeaver.Length > 0, $"no HTTP request reached {leaver.Name} before it left: the load did not cover it");
        // The leave itself was under load: requests for the leaver's own keys were sent between SIGTERM and the
        // ring change, and (no failure above) every one was answered.
        Assert.True(respInWindow > 0, $"no RESP lookup of {leaver.Name}'s keys was answered between SIGTERM and the ring change: the window went unexercised");
        Assert.True(httpInWindow.Length > 0, $"no HTTP request for {leaver.Name}'s keys was sent between SIGTERM and the ring change: the window went unexercised");
        Assert.All(httpInWindow, r => Assert.True(r.Ok, $"a request for {leaver.Name}'s key sent in the window failed: {r}"));
        var live = Cluster.Backends.Where(b => !b.HasExited).Select(b => b.Spec.ServiceEndpoint!).ToHashSet();
        foreach (var load in new[] { load1, load2 })
        {
            foreach (var (owner, last) in load.LastAnswered)
            {
                if (owner == leaver.Spec.ServiceEndpoint)
                    Assert.True(last < exited, $"a lookup answered {owner} at {last:HH:mm:ss.fff}, after its node exited at {exited:HH:mm:ss.fff}");
                else
                    Assert.True(live.Contains(owner), $"a lookup answered {owner}, which is no live backend");
            }
        }
        var late = byLeaver.Where(r => r.Sent >= exited).ToArray();
        Assert.True(late.Length == 0, $"{late.Length} HTTP requests sent after {leaver.Name}'s node exited at {exited:HH:mm:ss.fff} were forwarded to it, e.g. {late.FirstOrDefault()}");
    });

    [Fact(DisplayName = "4. Crash: both routers drop a kill -9'd backend within 8 s, and HTTP requests for its keys keep succeeding via failover"), Scenario(4)]
    public Task Crashed_backend_leaves_every_ring() => Cluster.Run(output, async () =>
    {
        fixture.ChecksumBeforeCrash = await Cluster.WaitForAgreement(3, Deadline);
        var ownersBefore = fixture.OwnersBeforeCrash = await RouterClusterFixture.Owners(fixture.Router1);
        var victim = Cluster["backend-3"];
        var service = fixture.Services[victim.Name];

        // Keys of every backend, the victim's included (about a third), through both routers' edges.
        await using var http = HttpLoad.Start(Cluster.Routers, RouterClusterFixture.Keys);
        await http.AnsweredAtLeast(500, Deadline);

        // The machine dies: the sidecar and the service it fronts go at the same moment.
        var killed = victim.Kill();
        await service.Crash();
        var down = DateTime.UtcNow;
        var rings = await Task.WhenAll(Cluster.Routers.Select(r =>
            r.WaitForRing(x => x.At >= killed && x.Backends == 2, Deadline, "without backend-3")));
        var unreachable = Cluster.FirstLine(killed, "UNREACHABLE", victim.Address.Split('@')[1]);
        await http.AnsweredAtLeast(500, Deadline);
        await http.Stop();

        output.WriteLine($"timing: kill -9 -> first node marks backend-3 UNREACHABLE: {Since(killed, unreachable?.At)}");
        foreach (var (router, ring) in Cluster.Routers.Zip(rings))
            output.WriteLine($"timing: kill -9 -> {router.Name} ring without backend-3: {Since(killed, ring.At)}");

        // HTTP: what happened to requests for the victim's keys while it was down but (for a while) still on the rings.
        var results = http.Results;
        var dropped = Cluster.Routers.Zip(rings).ToDictionary(p => p.First.Name, p => p.Second.At);
        bool VictimKey(HttpResult r) => ownersBefore[r.Key] == victim.Spec.ServiceEndpoint;
        var before = results.Where(r => r.At < killed).ToArray();
        var after = results.Where(r => r.Sent >= killed).ToArray();
        var victimKeys = after.Where(VictimKey).ToArray();
        var whileOnRing = victimKeys.Where(r => r.Sent < dropped[r.Router]).ToArray();
        // Sent between the kill signal and the service's listener closing: may still have been served by it.
        var servedByVictim = whileOnRing.Count(r => r.ServedBy == victim.Name);
        var retried = whileOnRing.Count(r => r.Ok && r.Tried.Length > 1 && r.Tried[0] == victim.Spec.ServiceEndpoint);
        var pastOpenCircuit = whileOnRing.Count(r => r.Ok && r.Tried.Length == 1 && r.ServedBy != victim.Name);
        output.WriteLine($"HTTP requests: {results.Count} sent through both edges ({before.Length} answered before the kill, {after.Length} sent after it), {http.FailureCount} failed");
        output.WriteLine($"after the kill, {victimKeys.Length} requests were for backend-3's keys: {whileOnRing.Length} sent while backend-3 was still on that router's ring " +
            $"({retried} refused by backend-3 and retried on the next backend, {pastOpenCircuit} sent straight to the next backend past backend-3's open circuit, " +
            $"{servedByVictim} still served by backend-3's service before it went down), {victimKeys.Length - whileOnRing.Length} after the ring dropped it; served by " +
            string.Join(", ", victimKeys.Where(r => r.Ok).GroupBy(r => r.ServedBy).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));

        var slowest = rings.Max(r => r.At) - killed;
        Assert.True(slowest <= CrashDetectionBound, $"the last router dropped backend-3 after {slowest.TotalMilliseconds:0} ms (bound {CrashDetectionBound.TotalSeconds} s)");
        Assert.Single(rings.Select(r => r.Checksum).Distinct());
        var owners = await RouterClusterFixture.Owners(fixture.Router2);
        Assert.DoesNotContain(victim.Spec.ServiceEndpoint, owners);

        Assert.True(http.FailureCount == 0, $"{http.FailureCount} of {results.Count} HTTP requests failed:\n" + http.FailureSample);
        // Before the kill the edges forwarded every request to the owner RESP names.
        var misrouted = before.Where(r => r.ServedBy != fixture.NameOf(ownersBefore[r.Key])).ToArray();
        Assert.True(misrouted.Length == 0, $"{misrouted.Length} HTTP requests were served by another backend than the key's RESP owner, e.g. {misrouted.FirstOrDefault()}");
        Assert.True(whileOnRing.Length > 0, "no request for backend-3's keys was sent while it was down and still on a ring: failover was not exercised");
        Assert.True(retried > 0, "no request for backend-3's keys was refused and retried: failover was not exercised");
        Assert.DoesNotContain(results, r => r.Sent >= down && r.ServedBy == victim.Name);
    });

    [Fact(DisplayName = "5. Restart: the crashed backend, restarted with the same id and endpoint, gets exactly its previous keys back"), Scenario(5)]
    public Task Restarted_backend_gets_its_keys_back() => Cluster.Run(output, async () =>
    {
        var victim = Cluster["backend-3"];
        if (fixture.OwnersBeforeCrash is null || !victim.HasExited)
        {
            fixture.ChecksumBeforeCrash = await Cluster.WaitForAgreement(3, Deadline);
            fixture.OwnersBeforeCrash = await RouterClusterFixture.Owners(fixture.Router1);
            victim.Kill();
            await fixture.Services[victim.Name].Crash();
            await Cluster.WaitForAgreement(2, Deadline);
        }

        // Restart once the routers have removed the old incarnation (the split-brain resolver downs it after
        // stable-after). Started while the old incarnation was still unreachable, the new process at the same
        // address could not join in 2 of 8 runs (the seed answered InitJoin, the answer never arrived) once the
        // replicated backend state added its traffic between nodes; a supervisor restarting it again after the
        // removal recovers. The scenario measures the restart itself.
        // On the routers: a backend that leaves logs every member as removed while it shuts down, which says
        // nothing about the old incarnation.
        await Eventually.True(() => Cluster.Routers.All(r => r.Lines.Any(l => l.Text.Contains($"Member {victim.Address} removed", StringComparison.Ordinal))),
            Deadline, $"every router removed {victim.Address}");
        var restarted = DateTime.UtcNow;
        var from = victim.LineCount;
        await fixture.Services[victim.Name].Start();
        await victim.Restart();
        await victim.WaitUntilUp(ClusterHarness.StartTimeout, from);
        var checksum = await Cluster.WaitForAgreement(3, Deadline);
        output.WriteLine($"timing: restart -> backend-3 back on both routers' rings: {Since(restarted, RingReached(3, restarted))}");
        output.WriteLine("router-1's log about backend-3 since the restart:");
        var hostPort = victim.Address.Split('@')[1];
        foreach (var line in fixture.Router1.Lines.Where(l => l.At >= restarted && l.Text.Contains(hostPort, StringComparison.Ordinal)))
            output.WriteLine($"  {line.Text[..Math.Min(line.Text.Length, 220)]}");

        Assert.Equal(fixture.ChecksumBeforeCrash, checksum);
        foreach (var router in Cluster.Routers)
        {
            var owners = await RouterClusterFixture.Owners(router);
            var differing = Enumerable.Range(0, owners.Length).Count(i => owners[i] != fixture.OwnersBeforeCrash![i]);
            Assert.True(differing == 0, $"{router.Name}: {differing} of {owners.Length} keys have another owner than before the crash");
        }
        output.WriteLine($"30,000 keys: the same owners as before the crash on both routers; checksum {checksum}");

        // The edges forward backend-3's keys to its restarted service again.
        foreach (var key in RouterClusterFixture.Keys.Where((_, i) => fixture.OwnersBeforeCrash![i] == victim.Spec.ServiceEndpoint).Take(10))
        {
            foreach (var router in Cluster.Routers)
            {
                var (status, body) = await HttpLoad.Get(router, key);
                Assert.True(status == System.Net.HttpStatusCode.OK && body.StartsWith(victim.Name + " ", StringComparison.Ordinal),
                    $"GET {key} through {router.Name}'s edge: {(int)status} {body.Trim()}");
            }
        }
    });

    [Fact(DisplayName = "6. Router crash: the other router keeps answering every lookup while router-1 is kill -9'd and downed"), Scenario(6)]
    public Task Surviving_router_keeps_serving() => Cluster.Run(output, async () =>
    {
        var checksum = await Cluster.WaitForAgreement(3, Deadline);
        var survivor = fixture.Router2;
        // A router's death changes no backend: every lookup must keep naming the owner it named before.
        var owners = await RouterClusterFixture.Owners(survivor);
        await using var load = LookupLoad.Start(survivor, connections: 2, keys: RouterClusterFixture.Keys, expected: (key, owner) => owner == owners[key]);
        await load.AnsweredAtLeast(1000, Deadline);

        var killed = fixture.Router1.Kill();
        var host = fixture.Router1.Address.Split('@')[1];
        var unreachable = await WaitForAnyLine(killed, "UNREACHABLE", host);
        var downed = await WaitForAnyLine(killed, "SBR took decision", host);
        var removed = await WaitForAnyLine(killed, "removing", host);
        var afterRemoval = load.Answers;
        await load.AnsweredAtLeast(1000, Deadline);

        // Each phase of router-1's death, and the lookups router-2 answered that were sent during it.
        var answered = load.Answered;
        int SentBetween(DateTime from, DateTime until) => answered.Count(a => a.Sent >= from && a.Sent < until);
        var phases = new (string Name, int Count)[]
        {
            ("killed, not yet seen unreachable", SentBetween(killed, unreachable.At)),
            ("unreachable, not yet downed", SentBetween(unreachable.At, downed.At)),
            ("downed, not yet removed", SentBetween(downed.At, removed.At)),
            ("removed", SentBetween(removed.At, DateTime.MaxValue)),
        };
        output.WriteLine($"timing: kill -9 router-1 -> UNREACHABLE: {Since(killed, unreachable.At)}; -> SBR downs it: {Since(killed, downed.At)}; -> removed: {Since(killed, removed.At)}");
        output.WriteLine($"SBR: {downed.Text}");
        output.WriteLine($"router-2 answered {load.Answers} lookups, {load.FailureCount} failed or named another owner; sent while router-1 was " +
            string.Join("; ", phases.Select(p => $"{p.Name}: {p.Count}")));
        Assert.True(load.FailureCount == 0, "failed lookups on router-2:\n" + load.FailureSample);
        // Lookups were sent (and all answered right, above) while router-1 was dead but still a member, while it was
        // unreachable awaiting the split-brain resolver, and after it was removed. Downed -> removed can be a few ms.
        Assert.True(phases[0].Count > 0, $"no lookup was sent to router-2 between the kill and router-1 seen unreachable ({Since(killed, unreachable.At)})");
        Assert.True(phases[1].Count > 0, $"no lookup was sent to router-2 while router-1 was unreachable and not yet downed ({Since(unreachable.At, downed.At)})");
        Assert.True(phases[3].Count > 0 && load.Answers > afterRemoval, "no lookup was answered by router-2 after router-1 was removed");
        // The resolver downed router-1 and nothing else ("... is downing [ADDRESSES]..., all members in DC [...]").
        var downing = System.Text.RegularExpressions.Regex.Match(downed.Text, @"is downing \[([^\]]*)\]");
        Assert.True(downing.Success, $"no 'is downing [...]' in the resolver's decision: {downed.Text}");
        Assert.Contains(host, downing.Groups[1].Value);
        Assert.DoesNotContain(survivor.Address.Split('@')[1], downing.Groups[1].Value);
        Assert.True(Cluster.Backends.All(b => !downing.Groups[1].Value.Contains(b.Address.Split('@')[1], StringComparison.Ordinal)),
            $"the resolver downed more than router-1: {downing.Groups[1].Value}");
        Assert.False(survivor.HasExited, "router-2 exited");
        var live = Cluster.Backends.Where(b => !b.HasExited).Select(b => b.Spec.ServiceEndpoint!).ToHashSet();
        Assert.All(load.LastAnswered.Keys, owner => Assert.Contains(owner, live));
        Assert.Equal(checksum, survivor.Ring!.Checksum);
    });

    private DateTime? RingReached(int backends, DateTime since)
    {
        var times = Cluster.Routers.Where(r => !r.HasExited)
            .Select(r => r.Rings.FirstOrDefault(x => x.At >= since && x.Backends == backends && x.Owners == backends)?.At).ToArray();
        return times.Any(t => t is null) ? null : times.Max();
    }

    private async Task<LogLine> WaitForAnyLine(DateTime since, params string[] parts)
    {
        LogLine? line = null;
        await Eventually.True(() => (line = Cluster.FirstLine(since, parts)) is not null, Deadline, $"a node logs '{string.Join("' and '", parts)}'");
        return line!;
    }

    private static string Since(DateTime start, DateTime? at) =>
        at is { } t ? $"{(t - start).TotalMilliseconds:0} ms" : "(not seen)";
}
