using AkkaRouter.Placement.Discovery;
using AkkaRouter.Ring;

namespace AkkaRouter.Placement.Tests.Discovery;

/// <summary>Discovered backends through <see cref="BackendPlacement"/>: SRV priority groups and weights on the ring.</summary>
public class SrvPlacementSpecs
{
    private static readonly PlacementSettings Settings = new(1.0, StaticBackendsChecked: true);

    private static BackendIdentity Discovered(string name, int priority, int weight) =>
        new($"{name}.svc:8081", $"127.0.0.1:{8081 + name[1] - '0'}", "", 1.0, Writer: null, HealthChecked: true, "default", new SrvRecord($"{name}.svc", 8081, priority, weight));

    // The founding document's records: b1 priority 0 weight 30, b2 priority 0 weight 20, b3 priority 10 weight 40.
    private static readonly BackendIdentity[] Seed = [Discovered("b1", 0, 30), Discovered("b2", 0, 20), Discovered("b3", 10, 40)];

    private static BackendStateTable Health(params (string Name, bool Up)[] verdicts) =>
        verdicts.Aggregate(BackendStateTable.Empty, (table, v) => table.WithHealth($"{v.Name}.svc:8081",
            new HealthReport(v.Up ? HealthStatus.Up : HealthStatus.Unhealthy, v.Up ? 1 : 0, v.Up ? "" : "connection refused", 0, new StateVersion(1, 0), "checker")));

    private static Backend Of(IReadOnlyList<Backend> placed, string name) => placed.Single(b => b.Id == $"{name}.svc:8081");

    [Fact(DisplayName = "Seed example, all healthy: b1 and b2 serve at 3:2 (weights 1 and 0.666667), b3 is on standby with no keys and a reason naming the priorities")]
    public void Seed_all_healthy()
    {
        var placed = BackendPlacement.Place(Seed, Health(("b1", true), ("b2", true), ("b3", true)), Settings);
        Assert.Equal((BackendState.Up, 1.0), (Of(placed, "b1").State, Of(placed, "b1").Weight));
        Assert.Equal((BackendState.Up, 0.666667), (Of(placed, "b2").State, Math.Round(Of(placed, "b2").Weight, 6)));
        var b3 = Of(placed, "b3");
        Assert.Equal((BackendState.Standby, 0.0), (b3.State, b3.Weight));
        Assert.Equal("standby: srv priority 10, priority 0 has healthy backends", b3.Reason);
        var ring = RingSnapshot.Empty.Apply(placed, 0);
        var shares = ring.Shares();
        Assert.Equal(0.6, shares["b1.svc:8081"], 1);
        Assert.Equal(0.4, shares["b2.svc:8081"], 1);
        Assert.Equal(0.0, shares["b3.svc:8081"]);
    }

    [Fact(DisplayName = "Seed example: b3 serves only when b1 and b2 are both down; with one of them up it stays on standby")]
    public void Seed_b3_only_when_both_down()
    {
        var oneDown = BackendPlacement.Place(Seed, Health(("b1", false), ("b2", true), ("b3", true)), Settings);
        Assert.Equal(BackendState.Standby, Of(oneDown, "b3").State);
        Assert.Equal((BackendState.Up, BackendState.Unhealthy), (Of(oneDown, "b2").State, Of(oneDown, "b1").State));

        var bothDown = BackendPlacement.Place(Seed, Health(("b1", false), ("b2", false), ("b3", true)), Settings);
        Assert.Equal((BackendState.Up, 1.0, ""), (Of(bothDown, "b3").State, Of(bothDown, "b3").Weight, Of(bothDown, "b3").Reason));
        Assert.All(new[] { "b1", "b2" }, n => Assert.Equal(BackendState.Unhealthy, Of(bothDown, n).State));
        Assert.Equal(["b3.svc:8081"], RingSnapshot.Empty.Apply(bothDown, 0).Backends.Where(b => b.OwnsKeys).Select(b => b.Id));
    }

    [Fact(DisplayName = "A drained priority-0 group counts as not serving: the priority-10 backend takes the keys")]
    public void Drained_group_hands_over()
    {
        var table = Health(("b1", true), ("b2", true), ("b3", true))
            .WithOverride("b1.svc:8081", new OperatorOverride(true, null, "drained", new StateVersion(1, 0), "ops"))
            .WithOverride("b2.svc:8081", new OperatorOverride(true, null, "drained", new StateVersion(1, 0), "ops"));
        var placed = BackendPlacement.Place(Seed, table, Settings);
        Assert.Equal(BackendState.Up, Of(placed, "b3").State);
        Assert.Equal(BackendState.Draining, Of(placed, "b1").State);
    }

    [Fact(DisplayName = "All-zero weights in a group give equal weights; an operator weight override wins over the SRV weight")]
    public void Zero_weights_and_overrides()
    {
        BackendIdentity[] zero = [Discovered("b1", 0, 0), Discovered("b2", 0, 0)];
        var placed = BackendPlacement.Place(zero, Health(("b1", true), ("b2", true)), Settings);
        Assert.All(placed, b => Assert.Equal((BackendState.Up, 1.0), (b.State, b.Weight)));

        var table = Health(("b1", true), ("b2", true), ("b3", true))
            .WithOverride("b2.svc:8081", new OperatorOverride(false, 5, "weight 5", new StateVersion(1, 0), "ops"));
        Assert.Equal(5.0, Of(BackendPlacement.Place(Seed, table, Settings), "b2").Weight);
    }

    [Fact(DisplayName = "A weight-0 record in a weighted group is on standby while a weighted record of its group is healthy, and serves when none is")]
    public void Weight_zero_record()
    {
        BackendIdentity[] records = [Discovered("b1", 0, 10), Discovered("b2", 0, 0)];
        var placed = BackendPlacement.Place(records, Health(("b1", true), ("b2", true)), Settings);
        Assert.Equal((BackendState.Standby, 0.0), (Of(placed, "b2").State, Of(placed, "b2").Weight));
        var b1Down = BackendPlacement.Place(records, Health(("b1", false), ("b2", true)), Settings);
        Assert.Equal((BackendState.Up, 1.0), (Of(b1Down, "b2").State, Of(b1Down, "b2").Weight));
    }
}
