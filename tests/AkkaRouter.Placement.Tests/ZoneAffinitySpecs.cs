using AkkaRouter.Ring;

namespace AkkaRouter.Placement.Tests;

public class ZoneAffinitySpecs
{
    private static readonly string[] Zones = ["zone-a", "zone-a", "zone-a", "zone-b", "zone-b", "zone-b"];

    private static BackendIdentity[] Identities() =>
        Zones.Select((z, i) => new BackendIdentity($"10.3.0.{i}:80", $"10.3.0.{i}:80", z, 1.0, null, true)).ToArray();

    private static BackendStateTable Healthy(params int[] unhealthy) =>
        Enumerable.Range(0, Zones.Length).Aggregate(BackendStateTable.Empty, (t, i) => t.WithHealth($"10.3.0.{i}:80",
            new HealthReport(unhealthy.Contains(i) ? HealthStatus.Unhealthy : HealthStatus.Up, unhealthy.Contains(i) ? 0 : 1, unhealthy.Contains(i) ? "down" : "", i, new StateVersion(1, 0), "s")));

    private static PlacementSettings Affinity(string zone, double min = 0.2) => new(1.0, true, new ZoneAffinity(zone, min));

    [Fact(DisplayName = "Zone affinity: a router places every key on its own zone's backends, by the nearest-point rule over that subset")]
    public void Keys_stay_in_zone()
    {
        var decision = BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-a"));
        Assert.Equal("zone zone-a", decision.Scope);
        var ring = RingSnapshot.Build(decision.Backends);
        Assert.Equal(3, ring.OwnerCount);
        Assert.All(ring.Backends.Where(b => b.Zone == "zone-b"), b =>
        {
            Assert.False(b.OwnsKeys);
            Assert.Equal(BackendState.Up, b.State);
            Assert.StartsWith("zone affinity", b.Reason);
        });
        // The same owners as a ring of the zone's backends alone.
        var subset = RingSnapshot.Build(decision.Backends.Where(b => b.Zone == "zone-a"));
        for (int k = 0; k < 3000; k++)
            Assert.Equal(subset.Owner($"/k/{k}")!.Id, ring.Owner($"/k/{k}")!.Id);
    }

    [Fact(DisplayName = "Zone affinity: routers of one zone agree (same checksum); routers of different zones differ")]
    public void Zone_routers_agree()
    {
        var a1 = BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-a"));
        var a2 = BackendPlacement.Decide(Identities().Reverse(), Healthy(), Affinity("zone-a"));
        var b = BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-b"));
        ulong Checksum(PlacementDecision d, string zone) => RingSnapshot.Build(d.Backends, configuration: Affinity(zone).Fingerprint).Checksum;
        Assert.Equal(Checksum(a1, "zone-a"), Checksum(a2, "zone-a"));
        Assert.NotEqual(Checksum(a1, "zone-a"), Checksum(b, "zone-b"));
        Assert.NotEqual(Affinity("zone-a").Fingerprint, new PlacementSettings(1.0, true).Fingerprint);
    }

    [Fact(DisplayName = "Zone affinity: a zone losing one backend moves only that backend's keys")]
    public void Losing_a_zone_backend_moves_only_its_keys()
    {
        var before = RingSnapshot.Build(BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-a")).Backends);
        var after = before.Apply(BackendPlacement.Decide(Identities(), Healthy(1), Affinity("zone-a")).Backends);
        var movement = RingDiff.Compare(before, after);
        Assert.Equal(["10.3.0.1:80"], movement.Lost.Keys);
        Assert.All(movement.Gained.Keys, id => Assert.Contains(id, new[] { "10.3.0.0:80", "10.3.0.2:80" }));
    }

    [Fact(DisplayName = "Zone affinity: below min-healthy-fraction of the zone owning keys the router places among all, says why, and returns when the zone recovers")]
    public void Falls_back_and_back()
    {
        // 2 of 3 down: 1/3 = 0.33 >= 0.2 still in zone; all 3 down: fallback. With min 0.5, 1 of 3 is already below.
        Assert.Equal("zone zone-a", BackendPlacement.Decide(Identities(), Healthy(0, 1), Affinity("zone-a")).Scope);
        var fallback = BackendPlacement.Decide(Identities(), Healthy(0, 1, 2), Affinity("zone-a"));
        Assert.Equal("all backends: zone zone-a has 0 of 3 backends owning keys, below min-healthy-fraction 0.2", fallback.Scope);
        Assert.Equal(["10.3.0.3:80", "10.3.0.4:80", "10.3.0.5:80"], fallback.Backends.Where(b => b.OwnsKeys).Select(b => b.Id));
        Assert.StartsWith("all backends:", BackendPlacement.Decide(Identities(), Healthy(0, 1), Affinity("zone-a", 0.5)).Scope);
        Assert.Equal("zone zone-a", BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-a", 0.5)).Scope);
        // A zone with no backends at all: among all.
        Assert.StartsWith("all backends: zone zone-c has 0 of 0", BackendPlacement.Decide(Identities(), Healthy(), Affinity("zone-c")).Scope);
    }

    [Fact(DisplayName = "Without zone affinity nothing changes: scope 'all backends', the same backends and fingerprint as before")]
    public void Off_changes_nothing()
    {
        var off = BackendPlacement.Decide(Identities(), Healthy(4), new PlacementSettings(1.0, true));
        Assert.Equal(BackendPlacement.AllBackends, off.Scope);
        Assert.Equal(BackendPlacement.Place(Identities(), Healthy(4), new PlacementSettings(1.0, true)), off.Backends);
        Assert.Equal(5, off.Backends.Count(b => b.OwnsKeys));
    }
}
