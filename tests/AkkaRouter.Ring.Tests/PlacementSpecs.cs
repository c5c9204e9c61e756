using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class PlacementSpecs
{
    [Theory(DisplayName = "Owner equals the brute-force nearest-point ranking over all points")]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 5)]
    [InlineData(4, 8)]
    public void Owner_matches_reference(int seed, int backendCount)
    {
        var random = new Random(seed);
        Backend[] backends = RingGen.Backends(random, backendCount, randomWeights: true);
        var ring = RingSnapshot.Build(backends);
        var reference = new ReferenceRing(backends);
        foreach (string key in RingGen.Keys(random, 400))
        {
            Assert.Equal(reference.Owner(key)!.Id, ring.Owner(key)!.Id);
        }
    }

    [Fact(DisplayName = "Owner is right at and around every point of a sparse ring, including across empty buckets and wrap-around")]
    public void Owner_matches_reference_next_to_points()
    {
        // Tiny weights leave most buckets empty, so searches must cross empty runs and the 0/2^32 seam.
        Backend[] backends = [new("a", "a:1", 0.002), new("b", "b:1", 0.001), new("c", "c:1", 0.003)];
        var ring = RingSnapshot.Build(backends);
        var points = backends.SelectMany(b => ReferenceRing.PointsOf(b.Id, RingSnapshot.PointsFor(b.Weight))
            .Select(p => (Position: p, b.Id))).ToList();
        var probes = new List<uint> { 0, 1, uint.MaxValue, 1u << 31 };
        foreach (var (p, _) in points)
        {
            probes.AddRange([p - 1, p, p + 1]);
        }

        for (int i = 0; i < points.Count; i++)
        {
            for (int j = i + 1; j < points.Count; j++)
            {
                // Midpoints between pairs of points are where ties and off-by-one errors in distances live.
                uint mid = points[i].Position + ((points[j].Position - points[i].Position) / 2);
                probes.AddRange([mid - 1, mid, mid + 1]);
            }
        }

        foreach (uint k in probes)
        {
            var expected = points
                .Select(p => (p.Id, Cw: p.Position - k, Ccw: k - p.Position))
                .Select(p => (p.Id, D: Math.Min(p.Cw, p.Ccw), Dir: p.Cw <= p.Ccw ? 0 : 1))
                .OrderBy(p => p.D).ThenBy(p => p.Dir).ThenBy(p => p.Id, StringComparer.Ordinal)
                .First().Id;
            Assert.Equal(expected, ring.BySlot[ring.Table.OwnerSlot(k)]!.Id);
        }
    }

    [Fact(DisplayName = "An empty ring owns nothing and has empty preference lists")]
    public void Empty_ring()
    {
        Assert.Null(RingSnapshot.Empty.Owner("anything"));
        Assert.Empty(RingSnapshot.Empty.PreferenceList("anything", 3));
        Assert.True(RingSnapshot.Empty.IsEmpty);
        Assert.Equal(0, RingSnapshot.Empty.PointCount);
        var onlyZeroWeight = RingSnapshot.Build([new Backend("idle", "idle:1", 0)]);
        Assert.Null(onlyZeroWeight.Owner("anything"));
        Assert.Equal(0.0, onlyZeroWeight.ShareOf("idle"));
    }

    [Fact(DisplayName = "A single backend owns every key and the whole hash space")]
    public void Single_backend()
    {
        var ring = RingSnapshot.Build([new Backend("solo", "solo:6379")]);
        foreach (string key in RingGen.Keys(new Random(7), 200))
        {
            Assert.Equal("solo", ring.Owner(key)!.Id);
        }

        Assert.Equal(1.0, ring.ShareOf("solo"));
    }

    [Fact(DisplayName = "Zero-weight backends are listed but never own keys")]
    public void Zero_weight_never_owns()
    {
        var ring = RingSnapshot.Build([new Backend("a", "a:1"), new Backend("b", "b:1", 0), new Backend("c", "c:1")]);
        Assert.Equal(3, ring.Count);
        foreach (string key in RingGen.Keys(new Random(8), 500))
        {
            Assert.NotEqual("b", ring.Owner(key)!.Id);
            Assert.DoesNotContain(ring.PreferenceList(key, 3), b => b.Id == "b");
        }
    }

    [Fact(DisplayName = "String, span and long-key overloads agree (stack, pooled and multibyte encodings)")]
    public void Overloads_agree()
    {
        var ring = RingSnapshot.Build(RingGen.Backends(new Random(9), 20));
        string[] keys = [.. RingGen.Keys(new Random(10), 100), new string('x', 5000), string.Concat(Enumerable.Repeat("€", 400)), ""];
        foreach (string key in keys)
        {
            Assert.Same(ring.Owner(Encoding.UTF8.GetBytes(key)), ring.Owner(key));
        }
    }

    [Fact(DisplayName = "KeyHash is XXH3-64 with seed 0 and the key's position is its top 32 bits")]
    public void Key_hash_is_documented()
    {
        byte[] key = Encoding.UTF8.GetBytes("user:42");
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(key), RingSnapshot.KeyHash(key));
        Assert.Equal((uint)(RingSnapshot.KeyHash(key) >> 32), ReferenceRing.KeyPosition("user:42"));
    }

    [Theory(DisplayName = "PointsFor rounds weight × 3072 half away from zero")]
    [InlineData(1.0, 3072)]
    [InlineData(0.0, 0)]
    [InlineData(2.5, 7680)]
    [InlineData(0.5 / 3072, 1)]
    [InlineData(100.0, 307200)]
    public void Points_for_weight(double weight, int expected) => Assert.Equal(expected, RingSnapshot.PointsFor(weight));
}
