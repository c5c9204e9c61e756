using System.Globalization;
using AkkaRouter.Cluster.Tests.CacheFleet;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// The cache-fleet benchmark (tests/AkkaRouter.Benchmarks/cache-fleet.sh runs the full table with
/// AKKAROUTER_FLEET=full). In the suite it runs its short version, so the harness never rots: six
/// real cache services, nginx and AkkaRouter fronts, a steady and a kill cell each.
/// </summary>
public sealed class CacheFleetSpecs(ITestOutputHelper output)
{
    [Fact(DisplayName = "Cache fleet (short version): six cache services behind nginx hash consistent and AkkaRouter state-aware; every request answered, also when a backend is killed, and every cell reads the services' counters")]
    public async Task Cache_fleet()
    {
        var full = Environment.GetEnvironmentVariable("AKKAROUTER_FLEET") == "full";
        var shape = full ? FleetShape.Full : FleetShape.Smoke;
        var policies = full ? FleetPolicy.All : [FleetPolicy.NginxHash, FleetPolicy.StateAware];
        var scenarios = full ? Enum.GetValues<FleetScenario>() : [FleetScenario.Steady, FleetScenario.Kill];
        if (Environment.GetEnvironmentVariable("AKKAROUTER_FLEET_POLICIES") is { Length: > 0 } only)
            policies = policies.Where(p => only.Split(',').Any(o => p.Name.Contains(o.Trim(), StringComparison.OrdinalIgnoreCase))).ToArray();
        if (Environment.GetEnvironmentVariable("AKKAROUTER_FLEET_SCENARIOS") is { Length: > 0 } chosen)
            scenarios = scenarios.Where(s => chosen.Split(',').Any(o => s.ToString().Equals(o.Trim(), StringComparison.OrdinalIgnoreCase))).ToArray();
        var report = Environment.GetEnvironmentVariable("AKKAROUTER_FLEET_REPORT");

        void Log(string line)
        {
            output.WriteLine(line);
            if (report is not null)
                File.AppendAllText(report + ".log", $"{DateTime.UtcNow:HH:mm:ss} {line}\n");
        }

        await using var fleet = new CacheFleet.CacheFleet(shape, Log);
        await fleet.Start();
        Log($"fleet: 6 cache services (capacity {shape.Capacity} keys, miss {shape.MissMs} ms, cross-zone +{shape.CrossZoneMs} ms) in 2 zones; " +
            $"{shape.Keys:N0} keys, Zipf s={shape.Exponent}; {shape.RatePerZone} requests/s per zone; warm-up {shape.WarmUp.TotalSeconds} s, window {shape.Measure.TotalSeconds} s, event at +{shape.EventAfter.TotalSeconds} s");
        var cells = new List<FleetCell>();
        var seed = 1;
        foreach (var scenario in scenarios)
        {
            foreach (var policy in policies)
            {
                var cell = await fleet.Run(policy, scenario, seed++);
                cells.Add(cell);
                if (report is not null)
                    await File.WriteAllTextAsync(report, CacheFleet.CacheFleet.Table(cells));
            }
        }
        output.WriteLine(CacheFleet.CacheFleet.Table(cells));

        foreach (var cell in cells)
        {
            // Every request is answered: nginx retries a refused connect on the next server, the edge on the key's next backend.
            Assert.True(cell.Load.Errors == 0, $"{cell.Policy.Name} / {cell.Scenario}: {cell.Load.Errors} of {cell.Load.Sent} failed, first: {cell.Load.FirstError}");
            Assert.True(cell.Load.Ok > 0, $"{cell.Policy.Name} / {cell.Scenario}: no request answered");
            Assert.InRange(cell.HitRatio, 0.0, 1.0);
            // The killed backend serves nothing after the kill: the rest of the fleet answered every request.
            Assert.True(cell.Load.ServedBy.Count >= 5, $"{cell.Policy.Name} / {cell.Scenario}: served by {string.Join(", ", cell.Load.ServedBy.Keys)}");
        }
        // The state-aware router keeps each zone's clients in their zone (zone affinity on, every zone healthy).
        var steady = cells.Single(c => c.Policy == FleetPolicy.StateAware && c.Scenario == FleetScenario.Steady);
        Assert.True(steady.CrossZone == 0, string.Create(CultureInfo.InvariantCulture, $"state-aware steady state sent {steady.CrossZone:P1} of requests across zones"));
    }
}
