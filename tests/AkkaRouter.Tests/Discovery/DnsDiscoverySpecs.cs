using System.Globalization;
using System.Net;
using AkkaRouter.Hosting;
using AkkaRouter.Tests.Http;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Discovery;

/// <summary>
/// akka-router.discovery.dns-srv on a router node with the production wiring, against a real dnsmasq on 127.0.0.1 and
/// real backends: SRV priority groups and weights on the ring, records changed while the node runs, a DNS server that
/// stops answering, and the discovered backends reached through GET, redis-cli and the HTTP edge.
/// </summary>
public sealed class DnsDiscoverySpecs : IAsyncLifetime
{
    private const string Cache = "_cache._tcp." + Dnsmasq.Zone;
    private static readonly string[] Keys = [.. Enumerable.Range(0, 2000).Select(i => $"/documents/{i}")];

    private readonly Dictionary<string, TestBackend> _backends = new(StringComparer.Ordinal);
    private Dnsmasq _dns = null!;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "b1", "b2", "b3", "b4" })
            _backends[name] = await TestBackend.Start(name);
    }

    public async Task DisposeAsync()
    {
        if (_dns is not null)
            await _dns.DisposeAsync();
        foreach (var backend in _backends.Values)
            await backend.DisposeAsync();
    }

    private static string Target(string name) => $"{name}.{Dnsmasq.Zone}";

    private int Port(string name) => int.Parse(_backends[name].Endpoint.Split(':')[1], CultureInfo.InvariantCulture);

    private string Id(string name) => $"{Target(name)}:{Port(name)}";

    private string Srv(string name, int priority, int weight) => Dnsmasq.Srv(Cache, Target(name), Port(name), priority, weight);

    private IEnumerable<string> Hosts() => _backends.Keys.Select(name => Dnsmasq.Host(Target(name), "127.0.0.1"));

    // The founding document's example: b1 priority 0 weight 30, b2 priority 0 weight 20, b3 priority 10 weight 40.
    private IEnumerable<string> Founding() => [Srv("b1", 0, 30), Srv("b2", 0, 20), Srv("b3", 10, 40), .. Hosts()];

    private async Task<OperatedNode> StartNode(string hocon = "") => await OperatedNode.Start($$"""
        akka-router.discovery {
          dns-srv = [ { name = "{{Cache}}", nameservers = ["{{_dns.Endpoint}}"], refresh = 1s, zone = dc-1 } ]
          timeout = 500ms
        }
        akka-router.health-check { interval = 200ms, timeout = 100ms, rise = 1, fall = 2 }
        akka-router.placement.max-unhealthy-fraction = 1.0
        {{hocon}}
        """);

    private static async Task<Dictionary<string, int>> OwnerCounts(OperatedNode node)
    {
        var owners = await node.Owners(Keys);
        return owners.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
    }

    [Fact(DisplayName = "Founding SRV example: b1 and b2 (priority 0, weights 30 and 20) own keys 3:2, b3 (priority 10) is standby; with b1 and b2 down b3 owns every key; back up, b3 is standby again")]
    public async Task Founding_example_priority_and_weight()
    {
        _dns = await Dnsmasq.Start(Founding());
        await using var node = await StartNode();
        var (b1, b2, b3) = (Id("b1"), Id("b2"), Id("b3"));

        var nodes = await node.WaitForNodes(n => n.Count == 3 && n[b1].State == "up" && n[b2].State == "up" && n[b3].State == "standby",
            "b1 and b2 up, b3 standby");
        Assert.Equal((_backends["b1"].Endpoint, "dc-1", "1", "1"), (nodes[b1].Endpoint, nodes[b1].Fields["zone"], nodes[b1].Weight, nodes[b1].EffectiveWeight));
        Assert.Equal(("0.6667", "0.6667"), (nodes[b2].Weight, nodes[b2].EffectiveWeight));
        Assert.Equal(("0", 0.0, "standby: srv priority 10, priority 0 has healthy backends"), (nodes[b3].EffectiveWeight, nodes[b3].Share, nodes[b3].Reason));
        Assert.InRange(nodes[b1].Share / nodes[b2].Share, 1.3, 1.7);
        var counts = await OwnerCounts(node);
        Assert.Equal(new[] { _backends["b1"].Endpoint, _backends["b2"].Endpoint }.Order(), counts.Keys.Order());
        Assert.InRange((double)counts[_backends["b1"].Endpoint] / counts[_backends["b2"].Endpoint], 1.3, 1.7);
        Assert.Equal(2L, await node.DbSize());

        var (port1, port2) = (Port("b1"), Port("b2"));
        await _backends["b1"].DisposeAsync();
        var oneDown = await node.WaitForNodes(n => n[b1].State == "unhealthy", "b1 unhealthy");
        Assert.Equal(("standby", "up"), (oneDown[b3].State, oneDown[b2].State));
        await _backends["b2"].DisposeAsync();
        var bothDown = await node.WaitForNodes(n => n[b1].State == "unhealthy" && n[b2].State == "unhealthy" && n[b3].State == "up",
            "b1 and b2 unhealthy, b3 up");
        Assert.Equal(("1", 1.0, ""), (bothDown[b3].EffectiveWeight, bothDown[b3].Share, bothDown[b3].Reason));
        Assert.Equal([_backends["b3"].Endpoint], (await OwnerCounts(node)).Keys);

        _backends["b1"] = await TestBackend.StartOn("b1", port1);
        _backends["b2"] = await TestBackend.StartOn("b2", port2);
        await node.WaitForNodes(n => n[b1].State == "up" && n[b2].State == "up" && n[b3].State == "standby", "b1 and b2 up again, b3 standby");
        Assert.Equal(counts, await OwnerCounts(node));
    }

    [Fact(DisplayName = "Records changed in DNS while the node runs: an added record joins the ring, a removed one leaves it, a changed weight and priority are followed")]
    public async Task Records_changed_while_running()
    {
        _dns = await Dnsmasq.Start([Srv("b1", 0, 10), Srv("b2", 0, 10), .. Hosts()]);
        await using var node = await StartNode();
        var (b1, b2, b3, b4) = (Id("b1"), Id("b2"), Id("b3"), Id("b4"));
        await node.WaitForNodes(n => n.Count == 2 && n.Values.All(b => b.State == "up"), "b1 and b2 up");

        await _dns.Replace([Srv("b1", 0, 10), Srv("b2", 0, 10), Srv("b4", 0, 10), .. Hosts()]);
        var added = await node.WaitForNodes(n => n.Count == 3 && n.ContainsKey(b4) && n[b4].State == "up", "b4 added and up");
        Assert.All(added.Values, b => Assert.InRange(b.Share, 0.25, 0.42));

        await _dns.Replace([Srv("b1", 0, 10), Srv("b4", 0, 10), .. Hosts()]);
        var removed = await node.WaitForNodes(n => n.Count == 2 && !n.ContainsKey(b2), "b2 removed");
        Assert.Equal([b1, b4], removed.Keys.Order());
        Assert.DoesNotContain(_backends["b2"].Endpoint, await node.Owners(Keys));

        await _dns.Replace([Srv("b1", 0, 30), Srv("b4", 0, 10), Srv("b3", 5, 10), .. Hosts()]);
        var reweighted = await node.WaitForNodes(n => n.Count == 3 && n[b4].Weight == "0.3333" && n[b3].State == "standby", "b4 at weight 10 of 30, b3 standby");
        Assert.InRange(reweighted[b1].Share, 0.65, 0.85);

        await _dns.Replace([Srv("b1", 10, 30), Srv("b4", 10, 10), Srv("b3", 5, 10), .. Hosts()]);
        var reprioritised = await node.WaitForNodes(n => n[b3].State == "up" && n[b1].State == "standby" && n[b4].State == "standby", "b3 serves alone at priority 5");
        Assert.Equal(1.0, reprioritised[b3].Share);
        Assert.Equal(1L, await node.DbSize());
    }

    [Fact(DisplayName = "A DNS server that stops answering keeps the last good set, and RING.NODES says so; answering again clears the reason")]
    public async Task Failed_lookup_keeps_the_last_good_set()
    {
        _dns = await Dnsmasq.Start([Srv("b1", 0, 10), Srv("b2", 0, 10), .. Hosts()]);
        await using var node = await StartNode();
        var (b1, b2) = (Id("b1"), Id("b2"));
        var before = await node.WaitForNodes(n => n.Count == 2 && n.Values.All(b => b.State == "up"), "b1 and b2 up");
        var owners = await node.Owners(Keys);

        await _dns.Stop();
        var kept = await node.WaitForNodes(n => n.Values.All(b => b.Reason.StartsWith("lookup failed", StringComparison.Ordinal)), "both kept with a reason");
        Assert.Equal([b1, b2], kept.Keys.Order());
        Assert.All(kept.Values, b => Assert.Equal(("up", "1"), (b.State, b.EffectiveWeight)));
        Assert.Contains(_dns.Endpoint.ToString(), kept[b1].Reason);
        Assert.Contains("keeping the 2 backends of the last good answer", kept[b1].Reason);
        Assert.Equal(owners, await node.Owners(Keys));
        Assert.Equal(2L, await node.DbSize());

        await _dns.Replace([Srv("b1", 0, 10), Srv("b2", 0, 10), .. Hosts()]);
        await node.WaitForNodes(n => n.Count == 2 && n.Values.All(b => b.Reason == "" && b.State == "up"), "the reason is gone");
        Assert.Equal(owners, await node.Owners(Keys));
        Assert.Equal(before.Keys.Order(), (await node.RingNodes()).Keys.Order());
    }

    [Fact(DisplayName = "Discovered backends in service 'images' are reached by redis-cli RING.GET images KEY and by the HTTP edge's images route")]
    public async Task Discovered_service_is_served()
    {
        _dns = await Dnsmasq.Start([Srv("b1", 0, 10), Srv("b2", 0, 10), .. Hosts()]);
        await using var node = await OperatedNode.Start($$"""
            akka-router.discovery.dns-srv = [ { name = "{{Cache}}", nameservers = ["{{_dns.Endpoint}}"], service = images } ]
            akka-router.health-check { interval = 200ms, timeout = 100ms, rise = 1, fall = 2 }
            akka-router.http { debug-headers = on, routes = [ { path = "^/images/", service = images } ] }
            """);
        await Eventually.True(() => node.Node.Ring.Find("images")?.Current.OwnerCount == 2, OperatedNode.Deadline, "both discovered backends own images keys");
        var images = node.Node.Ring.Find("images")!.Current;
        Assert.Equal(0, node.Node.Ring.Current.Count);

        var cli = await ToolProcess.RedisCli(node.RespPort, "RING.GET", "images", "/images/cat.png");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Equal([images.Owner("/images/cat.png")!.Endpoint], cli.Lines);

        var port = node.Node.Host.Services.GetRequiredService<ListenerRegistry>().Find("http")!.Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var names = _backends.Values.ToDictionary(b => b.Endpoint, b => b.Name);
        for (var i = 0; i < 20; i++)
        {
            using var response = await http.GetAsync($"/images/{i}.png");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(names[images.Owner($"/images/{i}.png")!.Endpoint], response.Headers.GetValues(TestBackend.ServedBy).Single());
        }
    }
}
