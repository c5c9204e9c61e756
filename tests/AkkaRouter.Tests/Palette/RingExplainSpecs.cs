using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>RING.EXPLAIN on the RESP port and `ring explain` in the palette, through the production wiring.</summary>
public class RingExplainSpecs
{
    private const string Hocon = """
        akka-router.health-check.type = none
        akka-router.static-backends = [
          { id = "cache-a", endpoint = "10.0.0.1:8081", zone = "zone-a" }
          { id = "cache-b", endpoint = "10.0.0.2:8081", zone = "zone-b", weight = 2 }
          { id = "cache-c", endpoint = "10.0.0.3:8081", zone = "zone-a" }
        ]
        """;

    private static Dictionary<string, string> Map(object? reply) =>
        Assert.IsType<object?[]>(reply).Chunk(2).ToDictionary(p => (string)p[0]!, p => p[1] as string ?? "");

    [Fact(DisplayName = "RING.EXPLAIN names the owner GET names, the rule, and every candidate in preference order; a drained backend is listed last as excluded")]
    public async Task Explain_over_resp()
    {
        await using var node = await OperatedNode.Start(Hocon);
        await node.WaitForNodes(n => n.Count == 3 && n.Values.All(b => b.Fields["state"] == "up"), "three backends up");
        var owner = (string)(await node.Resp("GET", "/documents/abc"))!;
        var lookup = Assert.IsType<object?[]>(await node.Resp("RING.LOOKUP", "/documents/abc", "3")).Cast<string>().ToArray();

        var reply = Assert.IsType<object?[]>(await node.Resp("RING.EXPLAIN", "/documents/abc"));
        var fields = reply.Chunk(2).ToDictionary(p => (string)p[0]!, p => p[1]);
        Assert.Equal("/documents/abc", fields["key"]);
        Assert.Matches("^[0-9a-f]{8}$", (string)fields["position"]!);
        Assert.Equal(owner, fields["owner"]);
        Assert.StartsWith("owner cache-", (string)fields["rule"]!);
        Assert.Contains("among the 3 backends that own keys", (string)fields["rule"]!);
        var candidates = Assert.IsType<object?[]>(fields["candidates"]).Select(Map).ToArray();
        Assert.Equal(lookup, candidates.Select(c => c["endpoint"]));
        Assert.Equal(["1", "2", "3"], candidates.Select(c => c["rank"]));
        Assert.All(candidates, c => Assert.Equal("up", c["state"]));
        Assert.Equal("2", candidates.Single(c => c["id"] == "cache-b")["weight"]);
        // No signals are read here: the score fields are empty, not zero.
        Assert.All(candidates, c => Assert.Equal("", c["score"]));

        var drainedId = candidates[0]["id"];
        Assert.Contains("drained", (string)(await node.Palette("ring", "drain", "-b", drainedId))!);
        await node.WaitForNodes(n => n[drainedId].Fields["state"] == "draining", "the owner drained");
        var after = Assert.IsType<object?[]>(await node.Resp("RING.EXPLAIN", "/documents/abc")).Chunk(2).ToDictionary(p => (string)p[0]!, p => p[1]);
        Assert.Equal(lookup[1], after["owner"]);
        var rule = (string)after["rule"]!;
        Assert.Contains("among the 2 backends that own keys", rule);
        Assert.Contains($"excluded: {drainedId} (draining: drained by operator", rule);
        var last = Assert.IsType<object?[]>(after["candidates"]).Select(Map).Last();
        Assert.Equal(("0", drainedId, "draining", "0"), (last["rank"], last["id"], last["state"], last["effective-weight"]));

        Assert.Equal(new RespErrorReply("ERR wrong number of arguments for 'ring.explain' command"), await node.Resp("RING.EXPLAIN"));
    }

    [Fact(DisplayName = "ring explain -k KEY prints the owner, the rule and one row per candidate; -k is required")]
    public async Task Explain_in_the_palette()
    {
        await using var node = await OperatedNode.Start(Hocon);
        await node.WaitForNodes(n => n.Count == 3 && n.Values.All(b => b.Fields["state"] == "up"), "three backends up");
        var owner = (string)(await node.Resp("GET", "/users/42"))!;
        var text = Assert.IsType<string>(await node.Palette("ring", "explain", "-k", "/users/42"));
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.StartsWith("/users/42 (position ", lines[0]);
        Assert.EndsWith($"-> {owner}", lines[0]);
        Assert.StartsWith("owner cache-", lines[1]);
        Assert.StartsWith("rank", lines[2]);
        Assert.Equal(3, lines.Length - 3);
        Assert.StartsWith("   1  ", lines[3]);
        Assert.Equal(new RespErrorReply("ERR -k KEY is required"), await node.Palette("ring", "explain"));
    }
}
