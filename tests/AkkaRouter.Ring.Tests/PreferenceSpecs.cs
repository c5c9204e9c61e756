using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class PreferenceSpecs
{
    [Theory(DisplayName = "Preference list equals the brute-force ranking: distinct, first = owner")]
    [InlineData(11, 3, 3)]
    [InlineData(12, 6, 4)]
    [InlineData(13, 8, 8)]
    [InlineData(14, 5, 20)]
    public void Matches_reference_ranking(int seed, int backendCount, int listLength)
    {
        var random = new Random(seed);
        Backend[] backends = RingGen.Backends(random, backendCount, randomWeights: true);
        var ring = RingSnapshot.Build(backends);
        var reference = new ReferenceRing(backends);
        foreach (string key in RingGen.Keys(random, 150))
        {
            IReadOnlyList<Backend> list = ring.PreferenceList(key, listLength);
            var expected = reference.Ranking(key).Take(listLength).Select(b => b.Id);
            Assert.Equal(expected, list.Select(b => b.Id));
            Assert.Equal(list.Count, list.Distinct().Count());
            Assert.Same(ring.Owner(key), list[0]);
        }
    }

    [Fact(DisplayName = "Long preference lists (bitset dedupe) list every backend exactly once")]
    public void Long_list_lists_everyone_once()
    {
        var ring = RingSnapshot.Build(RingGen.Backends(new Random(15), 40));
        foreach (string key in RingGen.Keys(new Random(16), 30))
        {
            var destination = new Backend?[50];
            int found = ring.PreferenceList(Encoding.UTF8.GetBytes(key), destination);
            Assert.Equal(40, found);
            Assert.Equal(40, destination.Take(found).Distinct().Count());
            Assert.Same(ring.Owner(key), destination[0]);
        }
    }

    [Fact(DisplayName = "Removing a backend outside a key's list leaves that list unchanged; removing one inside only drops it")]
    public void Stable_under_removal()
    {
        var random = new Random(17);
        Backend[] backends = RingGen.Backends(random, 30);
        var ring = RingSnapshot.Build(backends);
        foreach (string key in RingGen.Keys(random, 100))
        {
            IReadOnlyList<Backend> before = ring.PreferenceList(key, 4);
            Backend victim = backends[random.Next(backends.Length)];
            RingSnapshot smaller = ring.Apply(backends.Where(b => b != victim));
            var after = smaller.PreferenceList(key, 4).Select(b => b.Id).ToList();
            var expectedPrefix = before.Where(b => b != victim).Select(b => b.Id).ToList();
            Assert.Equal(expectedPrefix, after.Take(expectedPrefix.Count));
        }
    }

    [Fact(DisplayName = "Zero-length destination and zero count return nothing")]
    public void Zero_length()
    {
        var ring = RingSnapshot.Build(RingGen.Backends(new Random(18), 3));
        Assert.Equal(0, ring.PreferenceList("k"u8, Span<Backend?>.Empty));
        Assert.Empty(ring.PreferenceList("k", 0));
    }
}
