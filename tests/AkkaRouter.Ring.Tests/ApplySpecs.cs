using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class ApplySpecs
{
    [Fact(DisplayName = "Apply with the same set returns the same snapshot")]
    public void Unchanged_returns_this()
    {
        Backend[] backends = RingGen.Backends(new Random(51), 10);
        var ring = RingSnapshot.Build(backends, version: 5);
        Assert.Same(ring, ring.Apply(backends.Reverse()));
        Assert.Same(ring, ring.Apply(backends.Select(b => new Backend(b.Id, b.Endpoint, b.Weight, b.Zone))));
    }

    [Fact(DisplayName = "Apply bumps the version by one per change")]
    public void Version_increments()
    {
        Backend[] backends = RingGen.Backends(new Random(52), 10);
        var ring = RingSnapshot.Build(backends, version: 5);
        RingSnapshot next = ring.Apply(backends[1..]);
        Assert.Equal(6, next.Version);
        Assert.Equal(7, next.Apply(backends).Version);
    }

    [Fact(DisplayName = "Endpoint and zone changes update the backend and checksum but keep placement")]
    public void Metadata_change_keeps_placement()
    {
        var random = new Random(53);
        Backend[] backends = RingGen.Backends(random, 10);
        var ring = RingSnapshot.Build(backends);
        Backend moved = new(backends[2].Id, "10.99.0.1:7000", backends[2].Weight, "zone-new");
        RingSnapshot next = ring.Apply([.. backends[..2], moved, .. backends[3..]]);
        Assert.NotEqual(ring.Checksum, next.Checksum);
        Assert.Equal(0.0, RingDiff.Compare(ring, next).MovedFraction);
        Assert.Contains(next.Backends, b => ReferenceEquals(b, moved));
        foreach (string key in RingGen.Keys(random, 2000))
        {
            Backend owner = next.Owner(key)!;
            Assert.Equal(ring.Owner(key)!.Id, owner.Id);
            if (owner.Id == moved.Id)
            {
                Assert.Equal("10.99.0.1:7000", owner.Endpoint);
            }
        }
    }

    [Fact(DisplayName = "Backends are sorted by id and slots freed by removals are reused without affecting placement")]
    public void Slots_reused()
    {
        var random = new Random(54);
        Backend[] backends = RingGen.Backends(random, 30);
        Backend[] newcomers = RingGen.Backends(random, 3, prefix: "172.20");
        RingSnapshot ring = RingSnapshot.Build(backends).Apply(backends[3..]).Apply([.. backends[3..], .. newcomers]);
        Backend[] final = [.. backends[3..], .. newcomers];
        Assert.Equal(final.Select(b => b.Id).Order(StringComparer.Ordinal), ring.Backends.Select(b => b.Id));
        Assert.Equal(30, ring.BySlot.Length);
        var fresh = RingSnapshot.Build(final);
        foreach (string key in RingGen.Keys(random, 3000))
        {
            Assert.Equal(fresh.Owner(key)!.Id, ring.Owner(key)!.Id);
        }

        Assert.Equal(fresh.Shares(), ring.Shares());
    }

    [Fact(DisplayName = "Apply to the empty set and back works")]
    public void To_empty_and_back()
    {
        Backend[] backends = RingGen.Backends(new Random(55), 4);
        RingSnapshot ring = RingSnapshot.Build(backends).Apply([]);
        Assert.True(ring.IsEmpty);
        Assert.Null(ring.Owner("k"));
        RingSnapshot back = ring.Apply(backends);
        Assert.Equal(RingSnapshot.Build(backends).Checksum, back.Checksum);
        Assert.Equal(RingSnapshot.Build(backends).Owner("k"), back.Owner("k"));
    }
}
