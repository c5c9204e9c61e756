using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

/// <summary>
/// Expected values produced once by Golden/golden_owners.py, an independent Python implementation (python3-xxhash)
/// of the documented hashes and ranking. If one of these fails, placement changed for every deployed router: that is
/// a breaking change, not a test to update casually.
/// </summary>
public class GoldenSpecs
{
    private static readonly Backend[] Backends =
    [
        new("10.0.0.1:6379", "10.0.0.1:6379"),
        new("10.0.0.2:6379", "10.0.0.2:6379"),
        new("10.0.0.3:6379", "10.0.0.3:6379", 0.5),
        new("cache-b", "10.0.1.9:6379", 2.0),
        new("zeta", "10.0.2.1:6379", 0.25),
    ];

    public static TheoryData<string, ulong> KeyHashes => new()
    {
        { "user:1", 0x3b577afd7fed9501UL },
        { "user:2", 0x69a0366b760b5c02UL },
        { "user:42", 0x9fc1e605fa7174aaUL },
        { "session:abc", 0x00c6bcdf2ba3e0fcUL },
    };

    public static TheoryData<string, string[]> Preferences => new()
    {
        { "user:1", ["10.0.0.1:6379", "cache-b", "10.0.0.2:6379"] },
        { "user:2", ["10.0.0.1:6379", "10.0.0.2:6379", "zeta"] },
        { "user:42", ["cache-b", "10.0.0.3:6379", "10.0.0.2:6379"] },
        { "session:abc", ["zeta", "cache-b", "10.0.0.1:6379"] },
        { "", ["cache-b", "10.0.0.2:6379", "10.0.0.1:6379"] },
        { "a", ["cache-b", "10.0.0.2:6379", "zeta"] },
        { "ключ", ["10.0.0.1:6379", "cache-b", "10.0.0.2:6379"] },
        { "order/2024/07/15/9911", ["10.0.0.1:6379", "cache-b", "10.0.0.3:6379"] },
        { new string('x', 100), ["10.0.0.1:6379", "10.0.0.2:6379", "cache-b"] },
        { "€uro", ["10.0.0.2:6379", "cache-b", "10.0.0.1:6379"] },
    };

    [Theory(DisplayName = "Golden: key hashes match the independent implementation")]
    [MemberData(nameof(KeyHashes))]
    public void Key_hash(string key, ulong expected) => Assert.Equal(expected, RingSnapshot.KeyHash(Encoding.UTF8.GetBytes(key)));

    [Fact(DisplayName = "Golden: a backend's first point positions match the independent implementation")]
    public void Point_positions()
    {
        long seed = RingHashing.BackendSeed("10.0.0.1:6379"u8);
        uint[] expected = [0x54169c8eu, 0x4a5e9836u, 0x162e55b8u, 0x0778cd4au];
        Assert.Equal(expected, Enumerable.Range(0, 4).Select(i => RingHashing.PointPosition(seed, i)));
    }

    [Theory(DisplayName = "Golden: owners and preference lists match the independent implementation")]
    [MemberData(nameof(Preferences))]
    public void Owner_and_preference(string key, string[] expected)
    {
        var ring = RingSnapshot.Build(Backends);
        Assert.Equal(expected[0], ring.Owner(key)!.Id);
        Assert.Equal(expected, ring.PreferenceList(key, 3).Select(b => b.Id));
    }
}
