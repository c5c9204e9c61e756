using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AkkaRouter.Discovery;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Discovery;

/// <summary>
/// The DNS SRV resolver against a real dnsmasq on 127.0.0.1: records, their targets' addresses (from the additional
/// section and by separate A/AAAA queries), TTLs, record changes while running, and the failures a lookup reports
/// instead of throwing (server stopped, server silent, unknown name, no SRV records).
/// </summary>
public class DnsSrvResolverSpecs
{
    private const string Cache = "_cache._tcp." + Dnsmasq.Zone;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    /// <summary>Room for a slow machine on top of the resolver's own timeout; the specs do not measure timings tightly.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    private static string Name(string host) => $"{host}.{Dnsmasq.Zone}";

    /// <summary>The founding example: b1 and b2 share priority 0 (weights 30 and 20), b3 is the priority-10 standby.</summary>
    private static readonly string[] Founding =
    [
        Dnsmasq.Srv(Cache, Name("b1"), 8081, 0, 30),
        Dnsmasq.Srv(Cache, Name("b2"), 8082, 0, 20),
        Dnsmasq.Srv(Cache, Name("b3"), 8083, 10, 40),
        Dnsmasq.Host(Name("b1"), "127.0.0.11"),
        Dnsmasq.Host(Name("b2"), "127.0.0.12"),
        Dnsmasq.Host(Name("b3"), "127.0.0.13"),
    ];

    private static DnsSrvResolver Resolver(Dnsmasq dns) => new([dns.Endpoint], Timeout);

    private static ResolvedSrv Record(string host, int port, int priority, int weight, string address) =>
        new(Name(host), port, priority, weight, IPAddress.Parse(address));

    [Fact(DisplayName = "the founding example resolves to three records with their ports, priorities, weights and 127.0.0.x endpoints, sorted by id, with no error and nothing skipped")]
    public async Task Founding_example_resolves()
    {
        await using var dns = await Dnsmasq.Start(Founding);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Empty(lookup.Skipped);
        Assert.Equal(
            [
                Record("b1", 8081, 0, 30, "127.0.0.11"),
                Record("b2", 8082, 0, 20, "127.0.0.12"),
                Record("b3", 8083, 10, 40, "127.0.0.13"),
            ],
            lookup.Records);
        Assert.Equal(["b1.svc.test:8081", "b2.svc.test:8082", "b3.svc.test:8083"], lookup.Records.Select(r => r.Id));
        Assert.Equal(["127.0.0.11:8081", "127.0.0.12:8082", "127.0.0.13:8083"], lookup.Records.Select(r => r.Endpoint));
    }

    [Fact(DisplayName = "records changed while running (one added, one removed, a weight and a priority changed): the next lookup sees exactly the new set, and the one after the change back the old set again")]
    public async Task Changed_records_are_seen_by_the_next_lookup()
    {
        await using var dns = await Dnsmasq.Start(Founding);
        var resolver = Resolver(dns);
        Assert.Equal(3, (await resolver.Resolve(Cache, CancellationToken.None)).Records.Count);

        await dns.Replace(
        [
            Dnsmasq.Srv(Cache, Name("b1"), 8081, 5, 30),   // priority 0 -> 5
            Dnsmasq.Srv(Cache, Name("b3"), 8083, 10, 70),  // weight 40 -> 70
            Dnsmasq.Srv(Cache, Name("b4"), 8084, 0, 10),   // added; b2 removed
            Dnsmasq.Host(Name("b1"), "127.0.0.11"),
            Dnsmasq.Host(Name("b3"), "127.0.0.13"),
            Dnsmasq.Host(Name("b4"), "127.0.0.14"),
        ]);
        var changed = await resolver.Resolve(Cache, CancellationToken.None);

        Assert.Null(changed.Error);
        Assert.Equal(
            [
                Record("b1", 8081, 5, 30, "127.0.0.11"),
                Record("b3", 8083, 10, 70, "127.0.0.13"),
                Record("b4", 8084, 0, 10, "127.0.0.14"),
            ],
            changed.Records);

        await dns.Replace(Founding);
        var back = await resolver.Resolve(Cache, CancellationToken.None);
        Assert.Equal(["b1.svc.test:8081", "b2.svc.test:8082", "b3.svc.test:8083"], back.Records.Select(r => r.Id));
        Assert.Equal([0, 0, 10], back.Records.Select(r => r.Priority));
    }

    [Fact(DisplayName = "the TTL is the server's (--local-ttl) when every record has it, and the smallest one when a target's address record has a shorter TTL of its own")]
    public async Task Ttl_is_the_smallest_of_the_records_used()
    {
        await using var dns = await Dnsmasq.Start(Founding, localTtl: 60);
        var resolver = Resolver(dns);

        var uniform = await resolver.Resolve(Cache, CancellationToken.None);
        Assert.Null(uniform.Error);
        Assert.Equal(TimeSpan.FromSeconds(60), uniform.Ttl);

        await dns.Replace(
        [
            .. Founding.Where(l => !l.StartsWith("host-record=" + Name("b2"), StringComparison.Ordinal)),
            Dnsmasq.Host(Name("b2"), "127.0.0.12", ttl: 7),
        ]);
        var shorter = await resolver.Resolve(Cache, CancellationToken.None);
        Assert.Null(shorter.Error);
        Assert.Equal(3, shorter.Records.Count);
        Assert.Equal(TimeSpan.FromSeconds(7), shorter.Ttl);
    }

    [Fact(DisplayName = "server stopped: the lookup returns (no exception) an error naming the name and the nameserver, no records and a zero TTL")]
    public async Task Stopped_server_gives_an_error()
    {
        await using var dns = await Dnsmasq.Start(Founding);
        var resolver = Resolver(dns);
        Assert.Equal(3, (await resolver.Resolve(Cache, CancellationToken.None)).Records.Count);

        await dns.Stop();
        var clock = Stopwatch.StartNew();
        var lookup = await resolver.Resolve(Cache, CancellationToken.None);

        Assert.True(clock.Elapsed < Timeout + Slack, $"took {clock.Elapsed}");
        Assert.Empty(lookup.Records);
        Assert.Equal(TimeSpan.Zero, lookup.Ttl);
        Assert.NotNull(lookup.Error);
        Assert.StartsWith($"{Cache}: no answer from 127.0.0.1:{dns.Port}", lookup.Error);

        // Started again on the same port, it is found again by the same resolver.
        await dns.Replace(Founding);
        Assert.Equal(3, (await resolver.Resolve(Cache, CancellationToken.None)).Records.Count);
    }

    [Fact(DisplayName = "a nameserver that never answers: the lookup returns after its timeout with 'no answer from <nameserver> within <timeout>'")]
    public async Task Silent_server_times_out()
    {
        // Bound but never read: queries to it are neither answered nor refused.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endpoint = (IPEndPoint)silent.LocalEndPoint!;
        var resolver = new DnsSrvResolver([endpoint], TimeSpan.FromMilliseconds(500));

        var clock = Stopwatch.StartNew();
        var lookup = await resolver.Resolve(Cache, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500) + Slack, $"took {clock.Elapsed}");
        Assert.Equal($"{Cache}: no answer from {endpoint} within 500 ms", lookup.Error);
        Assert.Empty(lookup.Records);
        Assert.Empty(lookup.Skipped);
    }

    [Fact(DisplayName = "cancelling the token ends a lookup that waits on a silent nameserver with OperationCanceledException, long before the timeout")]
    public async Task Cancellation_is_honoured()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var resolver = new DnsSrvResolver([(IPEndPoint)silent.LocalEndPoint!], TimeSpan.FromMinutes(5));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var lookup = resolver.Resolve(Cache, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.WaitAsync(Slack));
    }

    [Fact(DisplayName = "unknown name: an NXDOMAIN error naming the name and the nameserver, no records")]
    public async Task Unknown_name_is_nxdomain()
    {
        await using var dns = await Dnsmasq.Start(Founding);

        var lookup = await Resolver(dns).Resolve("_nothing._tcp." + Dnsmasq.Zone, CancellationToken.None);

        Assert.Equal($"_nothing._tcp.svc.test: NXDOMAIN from 127.0.0.1:{dns.Port}", lookup.Error);
        Assert.Empty(lookup.Records);
        Assert.Equal(TimeSpan.Zero, lookup.Ttl);
    }

    [Fact(DisplayName = "a name that exists but has no SRV records: error 'no SRV records', no records")]
    public async Task Name_without_srv_records()
    {
        await using var dns = await Dnsmasq.Start(Founding);

        var lookup = await Resolver(dns).Resolve(Name("b1"), CancellationToken.None);

        Assert.Equal($"b1.svc.test: no SRV records (answer from 127.0.0.1:{dns.Port})", lookup.Error);
        Assert.Empty(lookup.Records);
    }

    [Fact(DisplayName = "a record with target '.' (service not available) is skipped and named in Skipped; the other records resolve and the lookup has no error")]
    public async Task Root_target_is_skipped()
    {
        await using var dns = await Dnsmasq.Start([.. Founding, Dnsmasq.Srv(Cache, ".", 8085, 0, 10)]);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Equal(["b1.svc.test:8081", "b2.svc.test:8082", "b3.svc.test:8083"], lookup.Records.Select(r => r.Id));
        var skipped = Assert.Single(lookup.Skipped);
        Assert.StartsWith(".:8085: target \".\"", skipped);
    }

    [Fact(DisplayName = "a target whose address is not in the additional section is resolved by an A query to the same nameserver; an IP-literal target is used as is")]
    public async Task Targets_outside_the_additional_section()
    {
        await using var dns = await Dnsmasq.Start(
        [
            Dnsmasq.Srv(Cache, Name("a1"), 9001, 0, 1),
            Dnsmasq.AddressOnly(Name("a1"), "127.0.0.21"),
            Dnsmasq.Srv(Cache, "127.0.0.22", 9002, 0, 1),
        ]);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Empty(lookup.Skipped);
        Assert.Equal(
            [
                new ResolvedSrv("127.0.0.22", 9002, 0, 1, IPAddress.Parse("127.0.0.22")),
                Record("a1", 9001, 0, 1, "127.0.0.21"),
            ],
            lookup.Records);
        Assert.Equal(["127.0.0.22:9002", "a1.svc.test:9001"], lookup.Records.Select(r => r.Id));
    }

    [Fact(DisplayName = "a target with several addresses gets the lowest IPv4 one; an IPv6-only target gets its address in brackets in the endpoint")]
    public async Task Several_addresses_take_the_lowest()
    {
        await using var dns = await Dnsmasq.Start(
        [
            Dnsmasq.Srv(Cache, Name("m1"), 9101, 0, 1),
            Dnsmasq.Host(Name("m1"), "127.0.0.13"),
            Dnsmasq.Host(Name("m1"), "127.0.0.3"),
            "host-record=" + Name("m1") + ",::2",
            Dnsmasq.Srv(Cache, Name("v6"), 9102, 0, 1),
            "host-record=" + Name("v6") + ",::1",
        ]);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Equal(["127.0.0.3:9101", "[::1]:9102"], lookup.Records.Select(r => r.Endpoint));
        Assert.Equal(["m1.svc.test:9101", "v6.svc.test:9102"], lookup.Records.Select(r => r.Id));
    }

    [Fact(DisplayName = "a target without any address is skipped and named with the reason (NXDOMAIN for A and AAAA); the lookup itself succeeds")]
    public async Task Target_without_address_is_skipped()
    {
        await using var dns = await Dnsmasq.Start([.. Founding, Dnsmasq.Srv(Cache, Name("ghost"), 8086, 0, 10)]);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Equal(3, lookup.Records.Count);
        var skipped = Assert.Single(lookup.Skipped);
        Assert.Equal($"ghost.svc.test:8086: no address: A NXDOMAIN from 127.0.0.1:{dns.Port}; AAAA NXDOMAIN from 127.0.0.1:{dns.Port}", skipped);
    }

    [Fact(DisplayName = "two records with one target and port: the one with the lower priority is kept, the other named in Skipped")]
    public async Task Duplicate_target_and_port_keeps_one()
    {
        await using var dns = await Dnsmasq.Start([.. Founding, Dnsmasq.Srv(Cache, Name("b1"), 8081, 3, 99)]);

        var lookup = await Resolver(dns).Resolve(Cache, CancellationToken.None);

        Assert.Null(lookup.Error);
        Assert.Equal(Record("b1", 8081, 0, 30, "127.0.0.11"), lookup.Records[0]);
        Assert.Equal(3, lookup.Records.Count);
        Assert.Equal(["b1.svc.test:8081: duplicate of priority 0 weight 30: priority 3 weight 99 left out"], lookup.Skipped);
    }

    [Fact(DisplayName = "two nameservers, the first one stopped: the second one answers; both stopped: the error names both")]
    public async Task Second_nameserver_answers()
    {
        await using var down = await Dnsmasq.Start([]);
        await using var up = await Dnsmasq.Start(Founding);
        await down.Stop();
        var resolver = new DnsSrvResolver([down.Endpoint, up.Endpoint], TimeSpan.FromMilliseconds(300));

        var lookup = await resolver.Resolve(Cache, CancellationToken.None);
        Assert.Null(lookup.Error);
        Assert.Equal(3, lookup.Records.Count);

        await up.Stop();
        var none = await resolver.Resolve(Cache, CancellationToken.None);
        Assert.Equal($"{Cache}: no answer from 127.0.0.1:{down.Port}, 127.0.0.1:{up.Port} within 300 ms each", none.Error);
        Assert.Empty(none.Records);
    }

    [Fact(DisplayName = "null or empty arguments are programming errors and throw")]
    public async Task Null_arguments_throw()
    {
        Assert.Throws<ArgumentNullException>(() => new DnsSrvResolver(null!, Timeout));
        Assert.Throws<ArgumentException>(() => new DnsSrvResolver([], Timeout));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DnsSrvResolver([new IPEndPoint(IPAddress.Loopback, 53)], TimeSpan.Zero));
        var resolver = new DnsSrvResolver([new IPEndPoint(IPAddress.Loopback, 53)], Timeout);
        await Assert.ThrowsAsync<ArgumentNullException>(() => resolver.Resolve(null!, CancellationToken.None));
    }
}
