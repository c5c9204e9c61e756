using AkkaRouter.Placement.Discovery;

namespace AkkaRouter.Placement.Tests.Balancing;

public class SrvSelectionSpecs
{
    // The founding document's example: b1 priority 0 weight 30, b2 priority 0 weight 20, b3 priority 10 weight 40.
    private static readonly SrvRecord[] Seed =
    [
        new("b1.example.", 8080, 0, 30),
        new("b2.example.", 8080, 0, 20),
        new("b3.example.", 8080, 10, 40),
    ];

    [Fact(DisplayName = "The seed's SRV example: b1 and b2 serve at 3:2, b3 stands by")]
    public void Seed_example()
    {
        var placed = SrvSelection.Place(Seed, _ => true);
        Assert.True(placed[0].Serving);
        Assert.True(placed[1].Serving);
        Assert.False(placed[2].Serving);
        Assert.Equal(1.5, placed[0].RingWeight / placed[1].RingWeight, 6);
        Assert.Contains("standby", placed[2].Reason, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "b3 serves only when both b1 and b2 are down; one of them healthy keeps priority 0 serving")]
    public void Higher_priority_only_when_lower_cannot()
    {
        Assert.False(SrvSelection.Place(Seed, i => i != 0)[2].Serving);
        var bothDown = SrvSelection.Place(Seed, i => i == 2);
        Assert.True(bothDown[2].Serving);
        Assert.False(bothDown[0].Serving);
        Assert.Contains("no healthy backend", bothDown[0].Reason, StringComparison.Ordinal);
    }

    [Fact(DisplayName = "All-zero weights in a group mean equal weights; a weight-0 record beside weighted ones gets no keys unless it is all that is healthy")]
    public void Zero_weights()
    {
        SrvRecord[] zeros = [new("a", 1, 0, 0), new("b", 1, 0, 0)];
        Assert.All(SrvSelection.Place(zeros, _ => true), p => Assert.Equal(1, p.RingWeight));

        SrvRecord[] mixed = [new("a", 1, 0, 10), new("b", 1, 0, 0)];
        Assert.Equal(0, SrvSelection.Place(mixed, _ => true)[1].RingWeight);
        Assert.Equal(1, SrvSelection.Place(mixed, i => i == 1)[1].RingWeight);
    }

    [Fact(DisplayName = "Nothing healthy: the lowest priority group keeps its placement (the health guard decides), and no records give nothing")]
    public void Nothing_healthy()
    {
        var placed = SrvSelection.Place(Seed, _ => false);
        Assert.True(placed[0].Serving);
        Assert.False(placed[2].Serving);
        Assert.Empty(SrvSelection.Place([], _ => true));
    }

    [Fact(DisplayName = "A record's endpoint is its target without the trailing dot and its port")]
    public void Endpoint() => Assert.Equal("b1.example:8080", Seed[0].Endpoint);
}
