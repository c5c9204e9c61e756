using Akka.Cluster;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Cluster;

/// <summary>Several nodes, each its own ActorSystem built by the production wiring, clustered on 127.0.0.1.</summary>
public class InProcessClusterSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string BackendHocon(int i) => $"""
        akka.cluster.roles = [backend]
        akka-router.node.service-endpoint = "127.0.0.1:{9100 + i}"
        akka-router.node.zone = "zone-{i % 2}"
        # No service runs behind these backends: membership is under test, not health.
        akka-router.node.health-check.type = none
        """;

    private static void AssertSameRing(InProcessNode a, InProcessNode b)
    {
        var ra = a.Ring.Current;
        var rb = b.Ring.Current;
        Assert.Equal(ra.Checksum, rb.Checksum);
        Assert.Equal(ra.Backends.Select(x => x.Endpoint), rb.Backends.Select(x => x.Endpoint));
        for (var k = 0; k < 5000; k++)
            Assert.Equal(ra.Owner($"/documents/{k}")!.Endpoint, rb.Owner($"/documents/{k}")!.Endpoint);
    }

    [Fact(DisplayName = "Two routers and three backends agree on the ring; a graceful leave and a downed member change every router's ring identically")]
    public async Task Routers_agree_through_leave_and_down()
    {
        var nodes = new List<InProcessNode>();
        try
        {
            var seed = await InProcessNode.Start("akka.cluster.roles = [router]");
            nodes.Add(seed);
            var seedHocon = InProcessNode.SeedHocon(seed.Address);
            var router2 = await InProcessNode.Start(seedHocon + "akka.cluster.roles = [router]");
            nodes.Add(router2);
            var backends = new List<InProcessNode>();
            for (var i = 1; i <= 3; i++)
            {
                var backend = await InProcessNode.Start(seedHocon + BackendHocon(i));
                backends.Add(backend);
                nodes.Add(backend);
            }

            await Eventually.True(() => seed.Ring.Current.OwnerCount == 3 && router2.Ring.Current.OwnerCount == 3, Deadline, "both routers see 3 backends");
            AssertSameRing(seed, router2);
            Assert.Equal(["127.0.0.1:9101", "127.0.0.1:9102", "127.0.0.1:9103"], seed.Ring.Current.Backends.Select(b => b.Endpoint).Order());

            // Graceful leave: the node runs CoordinatedShutdown, which leaves the cluster.
            await backends[0].Stop();
            await Eventually.True(() => seed.Ring.Current.OwnerCount == 2 && router2.Ring.Current.OwnerCount == 2, Deadline, "both routers drop the leaving backend");
            AssertSameRing(seed, router2);
            Assert.DoesNotContain(seed.Ring.Current.Backends, b => b.Endpoint == "127.0.0.1:9101");

            // Down: an operator (or the split-brain resolver) downs a member.
            Akka.Cluster.Cluster.Get(seed.System).Down(backends[1].Address);
            await Eventually.True(() => seed.Ring.Current.OwnerCount == 1 && router2.Ring.Current.OwnerCount == 1, Deadline, "both routers drop the downed backend");
            AssertSameRing(seed, router2);
            Assert.Equal("127.0.0.1:9103", seed.Ring.Current.Owner("/any/key")!.Endpoint);
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
                await node.DisposeAsync();
        }
    }
}
