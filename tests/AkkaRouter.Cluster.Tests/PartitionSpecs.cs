using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// A network partition, with real processes in network namespaces: side A holds router-1 (seed),
/// backend-1 and backend-2; side B holds router-2 and backend-3. After the cut, keep-majority SBR
/// downs side B. Chosen behaviour of the minority: as soon as its router sees that a majority of
/// the cluster is unreachable it publishes an empty ring (GET answers "-ERR no backends in ring"
/// instead of owners no other router agrees with), and once SBR downs it the process exits with
/// code 3 (RouterNode.DownedExitCode) so a supervisor restarts it as a new incarnation.
/// </summary>
public sealed class PartitionSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private const int DownedExitCode = 3;

    [NetnsFact(DisplayName = "7. Partition: SBR downs the minority; the majority's routers drop its backends; the minority router refuses lookups, then exits")]
    public async Task Minority_is_downed_and_never_answers_stale_owners()
    {
        await using var network = await NetworkNamespaces.Create();
        var sides = new Dictionary<string, NetworkNamespaces.Side>
        {
            ["router-1"] = NetworkNamespaces.Side.A, ["backend-1"] = NetworkNamespaces.Side.A, ["backend-2"] = NetworkNamespaces.Side.A,
            ["router-2"] = NetworkNamespaces.Side.B, ["backend-3"] = NetworkNamespaces.Side.B,
        };
        var placements = new Dictionary<string, NodePlacement>();
        foreach (var (name, side) in sides)
        {
            var (ns, address) = await network.AddNode(side);
            // Fixed ports cannot collide here: each node has a network namespace of its own, with nothing else in it.
            placements[name] = new NodePlacement(address, 4053, ns);
        }
        await using var cluster = new ClusterHarness(name => placements[name]);
        await cluster.Run(output, async () =>
        {
            var router1 = cluster.StartSeedRouter("router-1");
            await router1.WaitUntilUp(ClusterHarness.StartTimeout);
            var router2 = cluster.StartRouter("router-2");
            // A backend's service endpoint is its own address (nothing listens there: RESP only names
            // it), so its sidecar checks nothing: membership and reachability are under test here.
            foreach (var name in new[] { "backend-1", "backend-2", "backend-3" })
                cluster.StartBackend(name, $"{placements[name].Host}:8081", healthCheckType: "none");
            await Task.WhenAll(cluster.Nodes.Select(n => n.WaitUntilUp(ClusterHarness.StartTimeout)));
            await cluster.WaitForAgreement(3, ClusterHarness.StartTimeout);
            var backend3 = cluster["backend-3"];
            Assert.StartsWith("10.201.0.", await Get(router2, "/documents/abc"));

            var cut = DateTime.UtcNow;
            await network.Partition();

            var majorityRing = await router1.WaitForRing(r => r.At >= cut && r.Backends == 2, Deadline, "without backend-3");
            var minorityRing = await router2.WaitForRing(r => r.At >= cut && r.Backends == 0, Deadline, "empty (no majority)");
            var minorityAnswer = router2.HasExited ? "(already exited)" : await Get(router2, "/documents/abc");
            var majorityAnswer = await Get(router1, "/documents/abc");
            var majorityDecision = await WaitForLine(cluster, router1, cut, "SBR took decision");
            var minorityDecision = await WaitForLine(cluster, router2, cut, "SBR took decision");
            var router2Exit = await router2.WaitForExit(Deadline);
            var backend3Exit = await backend3.WaitForExit(Deadline);

            output.WriteLine($"timing: cut -> router-1 (majority) ring without backend-3: {Ms(cut, majorityRing.At)}");
            output.WriteLine($"timing: cut -> router-2 (minority) empty ring, lookups refused: {Ms(cut, minorityRing.At)}");
            var transient = router2.Rings.Where(r => r.At >= cut && r.At < minorityRing.At).ToArray();
            output.WriteLine($"router-2 rings between the cut and refusing lookups: {(transient.Length == 0 ? "none" : string.Join("; ", transient.Select(r => $"{r.Backends} backends at {Ms(cut, r.At)}")))}");
            output.WriteLine($"timing: cut -> SBR decision on side A: {Ms(cut, majorityDecision.At)}; on side B: {Ms(cut, minorityDecision.At)}");
            output.WriteLine($"timing: cut -> router-2 exits ({router2Exit}): {Ms(cut, router2.ExitedAt)}; backend-3 exits ({backend3Exit}): {Ms(cut, backend3.ExitedAt)}");
            output.WriteLine($"GET /documents/abc after the cut: router-1 '{majorityAnswer}', router-2 '{minorityAnswer}'");
            output.WriteLine($"SBR A: {majorityDecision.Text[..Math.Min(200, majorityDecision.Text.Length)]}");
            output.WriteLine($"SBR B: {minorityDecision.Text[..Math.Min(200, minorityDecision.Text.Length)]}");

            Assert.True(minorityAnswer is "ERR no backends in ring" or "(already exited)", $"the minority router answered '{minorityAnswer}'");
            Assert.Contains(majorityAnswer, new[] { $"{placements["backend-1"].Host}:8081", $"{placements["backend-2"].Host}:8081" });
            Assert.Contains("DownUnreachable", majorityDecision.Text);
            Assert.Contains("DownReachable", minorityDecision.Text);
            Assert.Equal(DownedExitCode, router2Exit);
            Assert.Equal(DownedExitCode, backend3Exit);
            Assert.False(router1.HasExited, "router-1 (majority) exited");
            Assert.Equal(2, router1.Ring!.Backends);
            // The minority router may briefly show a partial ring while unreachable events arrive one
            // failure-detector tick apart; it must be empty within a few ticks of the first change (measured:
            // one partial ring for 175 ms in a suite run, over 10 times under the bound).
            if (transient.Length > 0)
                Assert.True(minorityRing.At - transient[0].At <= TimeSpan.FromSeconds(2),
                    $"router-2 answered from a partial ring for {(minorityRing.At - transient[0].At).TotalMilliseconds:0} ms");
        });
    }

    private static Task<string> Get(ClusterNode router, string key) =>
        NetworkNamespaces.RedisCli(router.Spec.Namespace!, router.Spec.Host, router.RespPort, "GET", key);

    private static async Task<LogLine> WaitForLine(ClusterHarness cluster, ClusterNode node, DateTime since, string text)
    {
        LogLine? line = null;
        await Eventually.True(() => (line = node.Lines.FirstOrDefault(l => l.At >= since && l.Text.Contains(text, StringComparison.Ordinal))) is not null,
            Deadline, $"{node.Name} logs '{text}'");
        return line!;
    }

    private static string Ms(DateTime start, DateTime? at) => at is { } t ? $"{(t - start).TotalMilliseconds:0} ms" : "(not seen)";
}
