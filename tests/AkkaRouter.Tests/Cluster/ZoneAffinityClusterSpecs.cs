using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.State;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Cluster;

/// <summary>Zone affinity on a cluster of nodes built by the production wiring: two routers in different zones, four backends.</summary>
public class ZoneAffinityClusterSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string RouterHocon(string zone) => $"""
        akka.cluster.roles = [router]
        akka-router.node.zone = "{zone}"
        akka-router.placement.zone-affinity.enabled = on
        """;

    private static string BackendHocon(int i, string zone) => $"""
        akka.cluster.roles = [backend]
        akka-router.node.service-endpoint = "127.0.0.1:{9200 + i}"
        akka-router.node.zone = "{zone}"
        # No service runs behind these backends: placement is under test, not health.
        akka-router.node.health-check.type = none
        """;

    private static string[] Owners(InProcessNode router) =>
        Enumerable.Range(0, 2000).Select(k => router.Ring.Current.Owner($"/documents/{k}")!.Endpoint).Distinct().Order().ToArray();

    [Fact(DisplayName = "Zone affinity: each router places keys on its own zone's backends; when its zone has none owning keys it falls back to all and says so, and returns when the zone recovers")]
    public async Task Routers_keep_to_their_zone_and_fall_back()
    {
        var nodes = new List<InProcessNode>();
        try
        {
            var routerA = await InProcessNode.Start(InProcessNode.FreeListenerPorts + RouterHocon("zone-a"));
            nodes.Add(routerA);
            var seed = InProcessNode.SeedHocon(routerA.Address);
            var routerB = await InProcessNode.Start(seed + InProcessNode.FreeListenerPorts + RouterHocon("zone-b"));
            nodes.Add(routerB);
            for (var i = 1; i <= 4; i++)
                nodes.Add(await InProcessNode.Start(seed + InProcessNode.FreeListenerPorts + BackendHocon(i, i <= 2 ? "zone-a" : "zone-b")));

            // Until every backend has its first verdict a router may still be falling back: wait for its zone.
            await Eventually.True(() => routerA.Ring.Scope == "zone zone-a" && routerB.Ring.Scope == "zone zone-b"
                && routerA.Ring.Current.Count == 4 && routerB.Ring.Current.Count == 4
                && Owners(routerA).SequenceEqual(["127.0.0.1:9201", "127.0.0.1:9202"]) && Owners(routerB).SequenceEqual(["127.0.0.1:9203", "127.0.0.1:9204"]),
                Deadline, "each router places among its zone's 2 backends");
            Assert.Equal(["127.0.0.1:9201", "127.0.0.1:9202"], Owners(routerA));
            Assert.Equal(["127.0.0.1:9203", "127.0.0.1:9204"], Owners(routerB));
            Assert.Equal("zone zone-a", routerA.Ring.Scope);
            Assert.Equal("zone zone-b", routerB.Ring.Scope);
            Assert.NotEqual(routerA.Ring.Current.Checksum, routerB.Ring.Current.Checksum);

            // Drain zone-a's backends: router-a has nothing in its zone and places among all; router-b is unaffected.
            var overrides = ActorRegistry.For(routerB.System).Get<BackendOverridesActor>();
            foreach (var id in new[] { "127.0.0.1:9201", "127.0.0.1:9202" })
                Assert.True((await overrides.Ask<OverrideResult>(new DrainBackend(id, "test"), Deadline)).Applied);
            await Eventually.True(() => routerA.Ring.Scope.StartsWith("all backends: zone zone-a has 0 of 2", StringComparison.Ordinal), Deadline, "router-a falls back");
            await Eventually.True(() => Owners(routerA).SequenceEqual(["127.0.0.1:9203", "127.0.0.1:9204"]), Deadline, "router-a uses zone-b's backends");
            Assert.Equal("zone zone-b", routerB.Ring.Scope);
            Assert.Equal(["127.0.0.1:9203", "127.0.0.1:9204"], Owners(routerB));

            foreach (var id in new[] { "127.0.0.1:9201", "127.0.0.1:9202" })
                Assert.True((await overrides.Ask<OverrideResult>(new UndrainBackend(id, "test"), Deadline)).Applied);
            await Eventually.True(() => routerA.Ring.Scope == "zone zone-a" && Owners(routerA).SequenceEqual(["127.0.0.1:9201", "127.0.0.1:9202"]), Deadline, "router-a back in its zone");
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
                await node.DisposeAsync();
        }
    }
}
