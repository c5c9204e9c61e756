using System.Globalization;
using System.Text;
using AkkaRouter.Cluster.Tests.Harness;
using RawRespClient = AkkaRouter.Tests.Support.RawRespClient;

namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>The fleet and its load: sizes, costs, rates and the length of each cell.</summary>
public sealed record FleetShape(
    int Keys, double Exponent, int Capacity, int MissMs, int CrossZoneMs, int SlowZoneMs, double RatePerZone,
    TimeSpan WarmUp, TimeSpan Measure, TimeSpan EventAfter, TimeSpan SlowStart)
{
    /// <summary>The committed benchmark's shape (tests/AkkaRouter.Benchmarks/cache-fleet.sh).</summary>
    public static readonly FleetShape Full = new(Keys: 100_000, Exponent: 1.0, Capacity: 2_000, MissMs: 20, CrossZoneMs: 5, SlowZoneMs: 15,
        RatePerZone: 400, WarmUp: TimeSpan.FromSeconds(20), Measure: TimeSpan.FromSeconds(25), EventAfter: TimeSpan.FromSeconds(5),
        SlowStart: TimeSpan.FromSeconds(10));

    /// <summary>The suite's short version: the same machinery, small and brief.</summary>
    public static readonly FleetShape Smoke = new(Keys: 20_000, Exponent: 1.0, Capacity: 500, MissMs: 20, CrossZoneMs: 5, SlowZoneMs: 15,
        RatePerZone: 100, WarmUp: TimeSpan.FromSeconds(3), Measure: TimeSpan.FromSeconds(6), EventAfter: TimeSpan.FromSeconds(2),
        SlowStart: TimeSpan.FromSeconds(4));
}

public enum FleetScenario { Steady, Kill, ColdJoin, Heterogeneous, DegradedZone }

/// <summary>How requests reach the fleet: nginx with a stock balancing directive, or AkkaRouter with parts of state-aware placement on.</summary>
public sealed record FleetPolicy(string Name, string? NginxDirective, bool Signals = false, bool SlowStart = false, bool ZoneAffinity = false, bool BoundedLoads = false)
{
    public bool IsNginx => NginxDirective is not null;

    public static readonly FleetPolicy RoundRobin = new("nginx round-robin", "");
    public static readonly FleetPolicy LeastConn = new("nginx least_conn", "least_conn;");
    public static readonly FleetPolicy NginxHash = new("nginx hash consistent", "hash $request_uri consistent;");
    public static readonly FleetPolicy Ring = new("AkkaRouter ring", null);
    public static readonly FleetPolicy StateAware = new("AkkaRouter state-aware", null, Signals: true, SlowStart: true, ZoneAffinity: true, BoundedLoads: true);

    public static readonly IReadOnlyList<FleetPolicy> All =
    [
        RoundRobin, LeastConn, NginxHash, Ring, StateAware,
        StateAware with { Name = "state-aware - signals", Signals = false },
        StateAware with { Name = "state-aware - slow start", SlowStart = false },
        StateAware with { Name = "state-aware - zone affinity", ZoneAffinity = false },
        StateAware with { Name = "state-aware - bounded loads", BoundedLoads = false },
    ];
}

/// <summary>One cell of the table: a policy in a scenario.</summary>
public sealed record FleetCell(FleetPolicy Policy, FleetScenario Scenario, double HitRatio, double CrossZone, LoadWindow Load)
{
    public string Row() => string.Create(CultureInfo.InvariantCulture,
        $"| {Policy.Name} | {HitRatio:P1} | {Load.P50Ms:0.0} | {Load.P99Ms:0.0} | {Load.Errors} of {Load.Sent} | {CrossZone:P1} | {Load.KeysMovedFraction:P1} |");
}

/// <summary>
/// The cache-fleet benchmark: six cache services in two zones (three each), clients in both zones,
/// and one cell per policy and scenario. Each cell starts its front fresh (nginx, or two AkkaRouter
/// routers, one per zone, with a sidecar beside each service), empties every cache, warms up, then
/// measures a window in which the scenario's event happens. Hit ratio and cross-zone fraction come
/// from the services' counters; latencies, errors and moved keys from the clients.
/// </summary>
public sealed class CacheFleet(FleetShape shape, Action<string> log) : IAsyncDisposable
{
    public static readonly string[] Zones = ["zone-a", "zone-b"];
    private readonly List<FleetService> _services = new();

    // Roles of services in the scenarios (one per zone where two are needed).
    private FleetService Victim => _services[2];          // killed mid-run (zone-a)
    private FleetService Joiner => _services[5];          // added cold mid-run (zone-b)
    private IEnumerable<FleetService> Small => [_services[1], _services[4]]; // a quarter of the capacity

    public async Task Start()
    {
        for (var i = 0; i < 6; i++)
            _services.Add(new FleetService($"s{i + 1}", Zones[i / 3], shape.Capacity, shape));
        await Task.WhenAll(_services.Select(s => s.Start()));
    }

    private string? ZoneOf(string backend) => _services.FirstOrDefault(s => s.Name == backend)?.Zone;

    public async Task<FleetCell> Run(FleetPolicy policy, FleetScenario scenario, int seed)
    {
        // Every cell starts from the same fleet: all services up, every cache empty.
        foreach (var service in _services.Where(s => !s.Running))
            await service.Start();
        foreach (var service in _services)
        {
            var capacity = scenario == FleetScenario.Heterogeneous && Small.Contains(service) ? shape.Capacity / 4 : shape.Capacity;
            var slow = scenario == FleetScenario.DegradedZone && service.Zone == Zones[1] ? shape.SlowZoneMs : 0;
            await service.Reset(capacity, slow);
        }
        if (scenario == FleetScenario.ColdJoin)
            await Joiner.Crash();

        await using var front = policy.IsNginx ? await NginxFront.Start(policy, _services) : await RouterFront.Start(policy, _services, shape, log);
        // Load starts once the processes the cell started are done starting (measured: AkkaRouter's
        // eight fresh processes keep the 2 cores busy for 10-20 s, and a warm-up spent there showed
        // up as seconds-long stalls in the window).
        var idle = await MachineIdle.Wait(0.6, TimeSpan.FromSeconds(60));
        await using var load = new FleetLoad(front.Fronts, new ZipfKeys(shape.Keys, shape.Exponent), shape.RatePerZone, ZoneOf, seed);
        await Task.Delay(shape.WarmUp);

        load.StartWindow();
        var before = await Baseline();
        await Task.Delay(shape.EventAfter);
        switch (scenario)
        {
            case FleetScenario.Kill:
                await Victim.Crash();
                break;
            case FleetScenario.ColdJoin:
                await Joiner.Start();
                before[Joiner] = default;
                await front.Joined(Joiner);
                break;
        }
        await Task.Delay(shape.Measure - shape.EventAfter);
        var window = load.Window();
        var delta = default(ServiceCounters);
        foreach (var service in _services)
            delta += await service.Counters() - before.GetValueOrDefault(service);
        var cell = new FleetCell(policy, scenario,
            delta.Requests == 0 ? 0 : (double)delta.Hits / delta.Requests,
            delta.Requests == 0 ? 0 : (double)delta.CrossZone / delta.Requests, window);
        log($"{scenario}: {cell.Row()}  idle before load {idle:P0}; served by {string.Join(' ', window.ServedBy.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}" +
            $"  generator's longest scheduling gap {window.GeneratorStallMs:0} ms" +
            (window.SlowSeconds.Length == 0 ? "" : $"  requests over 250 ms by second: {window.SlowSeconds}") +
            (window.FirstError is null ? "" : $"  first error: {window.FirstError}"));
        return cell;
    }

    private async Task<Dictionary<FleetService, ServiceCounters>> Baseline()
    {
        var counters = new Dictionary<FleetService, ServiceCounters>();
        foreach (var service in _services.Where(s => s.Running))
            counters[service] = await service.Counters();
        return counters;
    }

    /// <summary>The table, one section per scenario, as the README shows it.</summary>
    public static string Table(IEnumerable<FleetCell> cells)
    {
        var text = new StringBuilder();
        foreach (var group in cells.GroupBy(c => c.Scenario))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n**{Describe(group.Key)}**\n\n");
            text.Append("| policy | hit ratio | p50 ms | p99 ms | errors | cross-zone | keys moved |\n|---|---|---|---|---|---|---|\n");
            foreach (var cell in group)
                text.Append(cell.Row()).Append('\n');
        }
        return text.ToString();
    }

    public static string Describe(FleetScenario scenario) => scenario switch
    {
        FleetScenario.Steady => "Steady state",
        FleetScenario.Kill => "A backend killed mid-window (s3, zone-a)",
        FleetScenario.ColdJoin => "A cold backend added mid-window (s6, zone-b)",
        FleetScenario.Heterogeneous => "Heterogeneous caches (s2 and s5 hold a quarter of the keys)",
        FleetScenario.DegradedZone => "One zone degraded (every zone-b request +15 ms)",
        _ => scenario.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
    }
}

/// <summary>What a cell sends its clients to; told when a cold service has joined (nginx needs a reload).</summary>
public interface IFleetFront : IAsyncDisposable
{
    IReadOnlyList<FleetFront> Fronts { get; }
    Task Joined(FleetService service);
}

internal sealed class NginxFront(NginxBalancer nginx, IReadOnlyList<FleetService> services) : IFleetFront
{
    public static async Task<IFleetFront> Start(FleetPolicy policy, IReadOnlyList<FleetService> services) =>
        new NginxFront(await NginxBalancer.Start(policy.NginxDirective!, CacheFleet.Zones, services.Where(s => s.Running).Select(s => s.Endpoint)), services);

    public IReadOnlyList<FleetFront> Fronts => nginx.Fronts;

    public Task Joined(FleetService service) => nginx.Reload(services.Where(s => s.Running).Select(s => s.Endpoint));

    public ValueTask DisposeAsync() => nginx.DisposeAsync();
}

/// <summary>
/// Two routers (router-a in zone-a, the seed; router-b in zone-b) and a sidecar beside each service,
/// started from the shipped hocon files with the policy's parts switched by environment overrides.
/// </summary>
internal sealed class RouterFront(ClusterHarness cluster) : IFleetFront
{
    private const string Prefix = "AKKAROUTER__AKKA_ROUTER__";

    public static async Task<IFleetFront> Start(FleetPolicy policy, IReadOnlyList<FleetService> services, FleetShape shape, Action<string> log)
    {
        var cluster = new ClusterHarness();
        try
        {
            Dictionary<string, string> Router(string zone) => new()
            {
                [Prefix + "NODE__ZONE"] = zone,
                [Prefix + "PLACEMENT__ZONE_AFFINITY__ENABLED"] = policy.ZoneAffinity ? "on" : "off",
                [Prefix + "HTTP__BALANCE_FACTOR"] = policy.BoundedLoads ? "1.25" : "0",
            };
            var seed = cluster.StartSeedRouter("router-a", Router(CacheFleet.Zones[0]));
            await seed.WaitUntilUp(ClusterHarness.StartTimeout);
            cluster.StartRouter("router-b", Router(CacheFleet.Zones[1]));
            foreach (var service in services)
            {
                var environment = new Dictionary<string, string>
                {
                    [Prefix + "NODE__ZONE"] = service.Zone,
                    [Prefix + "NODE__SLOW_START__DURATION"] = policy.SlowStart ? $"{shape.SlowStart.TotalSeconds:0}s" : "0s",
                };
                if (policy.Signals)
                {
                    // The benchmark's time scale is shorter than production's: rates over 10 s read every
                    // second, and a backend may change its weight every 5 s (the shipped defaults: 5 s, 30 s, 30 s).
                    environment[Prefix + "NODE__SIGNALS__URL"] = $"http://{service.Endpoint}/metrics";
                    environment[Prefix + "NODE__SIGNALS__INTERVAL"] = "1s";
                    environment[Prefix + "NODE__SIGNALS__WINDOW"] = "10s";
                    environment[Prefix + "NODE__SIGNALS__DAMPING__MIN_INTERVAL"] = "5s";
                }
                cluster.StartBackend(service.Name, service.Endpoint, environment);
            }
            // Each router's ring: every backend, owning keys the running services (of its zone, with
            // zone affinity: then the two routers' rings differ by design); slow start over.
            foreach (var (router, zone) in new[] { ("router-a", CacheFleet.Zones[0]), ("router-b", CacheFleet.Zones[1]) })
            {
                var node = cluster[router];
                var owners = services.Count(s => s.Running && (!policy.ZoneAffinity || s.Zone == zone));
                await node.WaitForRing(r => r.Backends == services.Count && r.Owners == owners, TimeSpan.FromSeconds(120),
                    $"{router}: {services.Count} backends, {owners} owning keys");
                await Eventually.True(async () =>
                {
                    await using var client = await RawRespClient.Connect(node.RespPort);
                    var reply = await client.Command("RING.NODES") as object?[] ?? [];
                    var states = reply.Select(n => ((object?[])n!).Chunk(2).ToDictionary(p => (string)p[0]!, p => (string)p[1]!)["state"]).ToArray();
                    return states.Length == services.Count && states.All(s => s is "up" or "unhealthy");
                }, shape.SlowStart + TimeSpan.FromSeconds(60), $"{router}: every backend up (slow start over) or unhealthy");
            }
            if (!policy.ZoneAffinity)
                await cluster.WaitForAgreement(services.Count, services.Count(s => s.Running), TimeSpan.FromSeconds(30));
            return new RouterFront(cluster);
        }
        catch
        {
            log(cluster.Output(40));
            await cluster.DisposeAsync();
            throw;
        }
    }

    public IReadOnlyList<FleetFront> Fronts =>
    [
        new(CacheFleet.Zones[0], $"http://127.0.0.1:{cluster["router-a"].HttpPort}"),
        new(CacheFleet.Zones[1], $"http://127.0.0.1:{cluster["router-b"].HttpPort}"),
    ];

    // The joiner's sidecar has been running all along: its health checks find the service.
    public Task Joined(FleetService service) => Task.CompletedTask;

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}
