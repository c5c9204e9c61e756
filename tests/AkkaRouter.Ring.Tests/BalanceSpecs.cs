using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class BalanceSpecs
{
    [Fact(DisplayName = "Exact shares sum to 1 and match the owner of every cell boundary")]
    public void Shares_are_exact()
    {
        Backend[] backends = RingGen.Backends(new Random(41), 6, randomWeights: true);
        var ring = RingSnapshot.Build(backends);
        Assert.Equal(1.0, ring.Shares().Values.Sum(), 12);

        // Each cell's first and last key position must be owned by the cell's owner per the real lookup.
        OwnershipCells cells = OwnershipCells.Of(ring.Table);
        for (int i = 0; i < cells.Starts.Length; i++)
        {
            ulong end = i + 1 < cells.Starts.Length ? cells.Starts[i + 1] : OwnershipCells.RingSize;
            if (end == cells.Starts[i])
            {
                continue;
            }

            Assert.Equal(cells.Slots[i], ring.Table.OwnerSlot((uint)cells.Starts[i]));
            Assert.Equal(cells.Slots[i], ring.Table.OwnerSlot((uint)(end - 1)));
        }
    }

    [Fact(DisplayName = "Shares are proportional to weight within sampling noise of the points")]
    public void Weights_respected()
    {
        var random = new Random(42);
        Backend[] backends = RingGen.Backends(random, 40, randomWeights: true);
        var ring = RingSnapshot.Build(backends);
        double totalWeight = backends.Sum(b => b.Weight);
        foreach (Backend backend in backends)
        {
            double expected = backend.Weight / totalWeight;
            // Relative noise of a nearest-point share is about 1/sqrt(2 × points); allow 5 sigma.
            double tolerance = 5 / Math.Sqrt(2 * RingSnapshot.PointsFor(backend.Weight));
            Assert.InRange(ring.ShareOf(backend.Id) / expected, 1 - tolerance, 1 + tolerance);
        }
    }

    [Fact(DisplayName = "Equal weights at N=100 stay within 0.95..1.05 of the mean share")]
    public void Balanced_at_100()
    {
        var ring = RingSnapshot.Build(RingGen.Backends(new Random(43), 100));
        double mean = 1.0 / 100;
        Assert.All(ring.Shares().Values, share => Assert.InRange(share / mean, 0.95, 1.05));
    }

    [Fact(DisplayName = "Sampled ownership agrees with the exact shares")]
    public void Sampled_agrees()
    {
        var random = new Random(44);
        var ring = RingSnapshot.Build(RingGen.Backends(random, 5, randomWeights: true));
        string[] keys = RingGen.Keys(random, 40000);
        foreach (var (id, share) in ring.Shares())
        {
            double sampled = keys.Count(k => ring.Owner(k)!.Id == id) / (double)keys.Length;
            Assert.InRange(sampled, share - 0.015, share + 0.015);
        }
    }
}
