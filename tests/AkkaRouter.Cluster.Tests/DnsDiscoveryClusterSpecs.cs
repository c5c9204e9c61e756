using AkkaRouter.Cluster.Tests.Harness;
using Dnsmasq = AkkaRouter.Tests.Support.Dnsmasq;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// DNS SRV discovery across a cluster of processes: one router (the singleton's host) resolves, every router holds
/// the same discovered backends, follows a DNS change at once, and keeps both the set and the resolving when the
/// resolving router leaves.
/// </summary>
public sealed class DnsDiscoveryClusterSpecs(ITestOutputHelper output)
{
    private const string Cache = "_cache._tcp." + Dnsmasq.Zone;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(DisplayName = "Two routers, one resolver: both hold the same discovered ring; a record added in DNS reaches both; after the resolving router leaves, the other resolves and follows a removal")]
    public async Task One_resolver_every_router_agrees()
    {
        var services = new List<BackendService>();
        Dnsmasq? dns = null;
        await using var cluster = new ClusterHarness();
        try
        {
            for (var i = 1; i <= 3; i++)
                services.Add(await BackendService.Start($"srv-{i}"));
            string Srv(int i) => Dnsmasq.Srv(Cache, $"b{i}.{Dnsmasq.Zone}", services[i - 1].Port, 0, 10);
            var hosts = Enumerable.Range(1, 3).Select(i => Dnsmasq.Host($"b{i}.{Dnsmasq.Zone}", "127.0.0.1")).ToArray();
            dns = await Dnsmasq.Start([Srv(1), Srv(2), .. hosts]);
            var environment = new Dictionary<string, string>
            {
                ["AKKAROUTER__AKKA_ROUTER__DISCOVERY__DNS_SRV"] = $"[ {{ name = \"{Cache}\", nameservers = [\"{dns.Endpoint}\"], refresh = 1s }} ]",
                ["AKKAROUTER__AKKA_ROUTER__HEALTH_CHECK__INTERVAL"] = "300ms",
                ["AKKAROUTER__AKKA_ROUTER__HEALTH_CHECK__TIMEOUT"] = "200ms",
            };
            await cluster.Run(output, async () =>
            {
                var router1 = cluster.StartSeedRouter("router-1", environment);
                await router1.WaitUntilUp(ClusterHarness.StartTimeout);
                var router2 = cluster.StartRouter("router-2", environment);
                await router2.WaitUntilUp(ClusterHarness.StartTimeout);
                await cluster.WaitForAgreement(2, Deadline);
                await router1.WaitForLine(l => l.Contains("DNS discovery resolves", StringComparison.Ordinal), Deadline, "the resolver runs on the oldest router");
                Assert.DoesNotContain(router2.Lines, l => l.Text.Contains("DNS discovery resolves", StringComparison.Ordinal));

                var added = DateTime.UtcNow;
                await dns.Replace([Srv(1), Srv(2), Srv(3), .. hosts]);
                var checksum = await cluster.WaitForAgreement(3, Deadline);
                output.WriteLine($"record added in DNS -> both routers agree on 3 backends: {(DateTime.UtcNow - added).TotalMilliseconds:0} ms (checksum {checksum})");
                Assert.All(cluster.Routers, r => Assert.Contains(r.Rings, x => x.Checksum == checksum));

                var from = router2.LineCount;
                var handover = DateTime.UtcNow;
                router1.Terminate();
                Assert.Equal(0, await router1.WaitForExit(TimeSpan.FromSeconds(30)));
                var started = await router2.WaitForLine(l => l.Contains("DNS discovery resolves", StringComparison.Ordinal), Deadline, "the resolver moves to router-2", from);
                output.WriteLine($"router-1 told to leave -> router-2 resolves: {(started.At - handover).TotalMilliseconds:0} ms");
                Assert.Equal(checksum, router2.Ring!.Checksum);

                var beforeRemoval = router2.LineCount;
                await dns.Replace([Srv(1), Srv(3), .. hosts]);
                await router2.WaitForRing(r => r.Owners == 2 && r.Backends == 2, Deadline, "router-2 follows the removal of b2", beforeRemoval);
                await using var client = await AkkaRouter.Tests.Support.RawRespClient.Connect(router2.Spec.Host, router2.RespPort);
                var owners = new HashSet<string>();
                for (var i = 0; i < 200; i++)
                    owners.Add((string)(await client.Command("GET", $"/documents/{i}"))!);
                Assert.Equal(new[] { services[0].Endpoint, services[2].Endpoint }.Order(), owners.Order());
            });
        }
        finally
        {
            if (dns is not null)
                await dns.DisposeAsync();
            foreach (var service in services)
                await service.DisposeAsync();
        }
    }
}
