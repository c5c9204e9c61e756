using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>A router node with no backends at all.</summary>
public sealed class EmptyRingNode : RespNode
{
    protected override string Hocon => "akka-router.static-backends = []\n";

    protected override int ExpectedBackends => 0;
}

public class EmptyRingSpecs(EmptyRingNode node) : IClassFixture<EmptyRingNode>
{
    private static readonly RespErrorReply NoBackends = new("ERR no backends in ring");

    [Fact(DisplayName = "With no backends, GET, MGET and RING.LOOKUP answer '-ERR no backends in ring'; DBSIZE is 0; the connection stays usable")]
    public async Task Lookups_fail_clearly()
    {
        await using var client = await node.Connect();
        Assert.Equal(NoBackends, await client.Command("GET", "/documents/abc"));
        Assert.Equal(NoBackends, await client.Command("MGET", "a", "b"));
        Assert.Equal(NoBackends, await client.Command("RING.LOOKUP", "a"));
        Assert.Equal(0L, await client.Command("DBSIZE"));
        Assert.Equal(Array.Empty<object?>(), await client.Command("RING.NODES"));
        Assert.Equal("PONG", await client.Command("PING"));
    }

    [Fact(DisplayName = "redis-cli GET on an empty ring prints 'ERR no backends in ring'")]
    public async Task Redis_cli_sees_the_error()
    {
        var result = await ToolProcess.RedisCli(node.Port, "GET", "/documents/abc");
        Assert.Equal("ERR no backends in ring", result.Lines[0]);
    }
}
