using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class ValidationSpecs
{
    public static TheoryData<string, Backend[], string> Invalid => new()
    {
        { "duplicate id", [new("a", "a:1"), new("b", "b:1"), new("a", "a:2")], "Duplicate backend id 'a'" },
        { "empty id", [new("", "e:1")], "Backend with endpoint 'e:1' has an empty id" },
        { "empty endpoint", [new("x", "")], "Backend 'x' has an empty endpoint" },
        { "negative weight", [new("x", "x:1", -1)], "Backend 'x' has weight -1" },
        { "NaN weight", [new("x", "x:1", double.NaN)], "Backend 'x' has weight NaN" },
        { "too large weight", [new("x", "x:1", 100.5)], "a weight must be a number from 0 to 100" },
        { "infinite weight", [new("x", "x:1", double.PositiveInfinity)], "Backend 'x' has weight" },
    };

    [Theory(DisplayName = "Build rejects invalid sets with a message naming the backend")]
    [MemberData(nameof(Invalid))]
    public void Build_rejects(string because, Backend[] backends, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => RingSnapshot.Build(backends));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{because}: {error.Message}");
    }

    [Theory(DisplayName = "Apply rejects invalid sets the same way and leaves the snapshot usable")]
    [MemberData(nameof(Invalid))]
    public void Apply_rejects(string because, Backend[] backends, string message)
    {
        var ring = RingSnapshot.Build([new Backend("ok", "ok:1")]);
        var error = Assert.Throws<ArgumentException>(() => ring.Apply(backends));
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{because}: {error.Message}");
        Assert.Equal("ok", ring.Owner("k")!.Id);
    }

    [Fact(DisplayName = "Null backend entries and null arguments are rejected")]
    public void Nulls()
    {
        Assert.Throws<ArgumentException>(() => RingSnapshot.Build([null!]));
        Assert.Throws<ArgumentNullException>(() => RingSnapshot.Build(null!));
        Assert.Throws<ArgumentNullException>(() => new Backend(null!, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => RingSnapshot.PointsFor(double.NaN));
    }

    [Fact(DisplayName = "Backend equality is by value over id, endpoint, weight and zone")]
    public void Backend_equality()
    {
        Assert.Equal(new Backend("a", "e", 2, "z"), new Backend("a", "e", 2, "z"));
        Assert.NotEqual(new Backend("a", "e", 2, "z"), new Backend("a", "e", 2, "y"));
        Assert.Equal("e"u8.ToArray(), new Backend("a", "e").EndpointUtf8.ToArray());
    }
}
