using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class MovementSpecs
{
    [Theory(DisplayName = "Adding or removing one backend moves keys only to or from it, at most 1.10/N of the space")]
    [InlineData(31, 10)]
    [InlineData(32, 100)]
    [InlineData(33, 400)]
    public void Minimal_movement(int seed, int n)
    {
        var random = new Random(seed);
        Backend[] backends = RingGen.Backends(random, n + 1);
        Backend extra = backends[n];
        RingSnapshot without = RingSnapshot.Build(backends[..n]);
        RingSnapshot with = without.Apply(backends);

        RingMovement added = RingDiff.Compare(without, with);
        Assert.Equal([extra.Id], added.Gained.Keys);
        Assert.Equal(with.ShareOf(extra.Id), added.MovedFraction, 12);
        Assert.InRange(added.MovedFraction, 0, 1.10 / (n + 1));

        Backend victim = backends[random.Next(n)];
        RingSnapshot removedRing = with.Apply(backends.Where(b => b != victim));
        RingMovement removed = RingDiff.Compare(with, removedRing);
        Assert.Equal([victim.Id], removed.Lost.Keys);
        Assert.Equal(with.ShareOf(victim.Id), removed.MovedFraction, 12);
        Assert.InRange(removed.MovedFraction, 0, 1.10 / (n + 1));

        // Key-level check of the same claim, independent of the exact sweep.
        foreach (string key in RingGen.Keys(random, 3000))
        {
            Backend before = with.Owner(key)!;
            Backend after = removedRing.Owner(key)!;
            Assert.True(before == after || before.Id == victim.Id, $"{key}: {before.Id} -> {after.Id}");
            Backend? small = without.Owner(key);
            Assert.True(small == before || before.Id == extra.Id);
        }
    }

    [Fact(DisplayName = "A weight change moves keys only to or from the re-weighted backend")]
    public void Weight_change_is_local()
    {
        Backend[] backends = RingGen.Backends(new Random(34), 20);
        var ring = RingSnapshot.Build(backends);
        Backend heavier = new(backends[3].Id, backends[3].Endpoint, 1.5, backends[3].Zone);
        RingSnapshot changed = ring.Apply([.. backends[..3], heavier, .. backends[4..]]);
        RingMovement movement = RingDiff.Compare(ring, changed);
        Assert.Equal([heavier.Id], movement.Gained.Keys);
        Assert.DoesNotContain(heavier.Id, movement.Lost.Keys);
        Assert.Equal(changed.ShareOf(heavier.Id) - ring.ShareOf(heavier.Id), movement.MovedFraction, 12);
    }

    [Fact(DisplayName = "RingDiff is exact: identical rings move nothing, gains equal losses, and it agrees with sampled keys")]
    public void Diff_is_exact()
    {
        var random = new Random(35);
        Backend[] a = RingGen.Backends(random, 15, randomWeights: true);
        Backend[] b = [.. a[..10], .. RingGen.Backends(random, 4, randomWeights: true, prefix: "172.16")];
        RingSnapshot before = RingSnapshot.Build(a);
        RingSnapshot after = RingSnapshot.Build(b);
        Assert.Equal(0.0, RingDiff.Compare(before, RingSnapshot.Build(a.Reverse())).MovedFraction);

        RingMovement movement = RingDiff.Compare(before, after);
        Assert.Equal(movement.MovedFraction, movement.Gained.Values.Sum(), 12);
        Assert.Equal(movement.MovedFraction, movement.Lost.Values.Sum(), 12);

        string[] keys = RingGen.Keys(random, 20000);
        double sampled = keys.Count(k => before.Owner(k)!.Id != after.Owner(k)!.Id) / (double)keys.Length;
        Assert.InRange(sampled, movement.MovedFraction - 0.015, movement.MovedFraction + 0.015);
    }
}
