using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

/// <summary>The small-ring owner index answers exactly what the bucketed point table answers, for every kind of key position.</summary>
public class OwnerIndexSpecs
{
    public static TheoryData<int, int, bool> Rings() => new()
    {
        { 1, 1, false },
        { 2, 2, false },
        { 3, 3, false },
        { 4, 7, true },
        { 5, 12, true },
        { 6, 42, false },
    };

    [Theory(DisplayName = "The index's owner equals the table's at every cell edge, every jump range's edges and 200,000 random positions")]
    [MemberData(nameof(Rings))]
    public void Same_owner_as_the_table(int seed, int count, bool randomWeights)
    {
        var random = new Random(seed);
        var ring = RingSnapshot.Build(RingGen.Backends(random, count, randomWeights)).WithOwnerIndex();
        OwnerIndex index = ring.OwnerIndex ?? throw new InvalidOperationException($"no index for {ring.PointCount} points");

        OwnershipCells cells = OwnershipCells.Of(ring.Table);
        var positions = new List<uint>();
        foreach (ulong start in cells.Starts)
        {
            positions.Add((uint)start);
            positions.Add((uint)(start - 1));
            positions.Add((uint)(start + 1));
        }

        int shift = 32 - System.Numerics.BitOperations.Log2((uint)index.JumpCount);
        for (ulong range = 0; range < (ulong)index.JumpCount; range++)
        {
            positions.Add((uint)(range << shift));
            positions.Add((uint)(((range + 1) << shift) - 1));
        }

        for (int i = 0; i < 200_000; i++)
        {
            positions.Add((uint)random.NextInt64(0, 1L << 32));
        }

        positions.Add(0);
        positions.Add(uint.MaxValue);
        foreach (uint position in positions)
        {
            int expected = ring.Table.OwnerSlot(position);
            int actual = index.OwnerSlot(position);
            if (expected != actual)
            {
                Assert.Fail($"position {position}: the table says slot {expected}, the index {actual} (seed {seed}, {count} backends)");
            }
        }

        Assert.True(index.CellCount < cells.Starts.Length, "neighbouring cells of one owner are merged");
    }

    [Fact(DisplayName = "A one-point ring's index gives its backend every position")]
    public void One_point()
    {
        var only = new Backend("a", "10.0.0.1:6379", 1.0 / RingSnapshot.PointsPerUnitWeight);
        var ring = RingSnapshot.Build([only]).WithOwnerIndex();
        Assert.Equal(1, ring.PointCount);
        Assert.NotNull(ring.OwnerIndex);
        foreach (uint position in new uint[] { 0, 1, 1u << 31, uint.MaxValue })
        {
            Assert.Same(only, ring.OwnerAt(position));
        }
    }

    [Fact(DisplayName = "Builds and updates leave the index to WithOwnerIndex, which builds it once and returns the same snapshot")]
    public void Built_on_request()
    {
        Backend[] backends = RingGen.Backends(new Random(8), 4);
        var ring = RingSnapshot.Build(backends[..3]);
        Assert.Null(ring.OwnerIndex);
        Assert.Same(ring, ring.WithOwnerIndex());
        OwnerIndex? index = ring.OwnerIndex;
        Assert.NotNull(index);
        Assert.Same(index, ring.WithOwnerIndex().OwnerIndex);

        RingSnapshot updated = ring.Apply(backends);
        Assert.Null(updated.OwnerIndex);
        Assert.NotNull(updated.WithOwnerIndex().OwnerIndex);
    }

    [Fact(DisplayName = "Rings over the index's size keep the table's lookup; an update across the limit switches and agrees")]
    public void Large_rings_use_the_table()
    {
        var random = new Random(7);
        Backend[] backends = RingGen.Backends(random, 44);
        var small = RingSnapshot.Build(backends[..42]).WithOwnerIndex();
        Assert.True(small.PointCount <= OwnerIndex.MaxCells);
        Assert.NotNull(small.OwnerIndex);

        RingSnapshot large = small.Apply(backends).WithOwnerIndex();
        Assert.True(large.PointCount > OwnerIndex.MaxCells);
        Assert.Null(large.OwnerIndex);

        RingSnapshot back = large.Apply(backends[..42]).WithOwnerIndex();
        Assert.NotNull(back.OwnerIndex);
        var built = RingSnapshot.Build(backends);
        for (int i = 0; i < 100_000; i++)
        {
            uint position = (uint)random.NextInt64(0, 1L << 32);
            Assert.Same(small.OwnerAt(position), back.OwnerAt(position));
            Assert.Same(built.OwnerAt(position), large.OwnerAt(position));
        }
    }

    [Fact(DisplayName = "A ring whose backends all have weight 0 has no index and no owner")]
    public void No_points()
    {
        var ring = RingSnapshot.Build([new Backend("a", "10.0.0.1:6379", 0)]).WithOwnerIndex();
        Assert.Null(ring.OwnerIndex);
        Assert.Null(ring.OwnerAt(12345));
    }
}
