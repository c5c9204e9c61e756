using System.Text;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>Many commands in one write, and one command over many writes, over a raw socket.</summary>
public class PipeliningSpecs(RespNode node) : IClassFixture<RespNode>
{
    [Fact(DisplayName = "1000 GETs written in one socket write get 1000 replies in order, each the key's owner")]
    public async Task Thousand_gets_in_one_write()
    {
        await using var client = await node.Connect();
        var keys = Enumerable.Range(0, 1000).Select(i => $"/documents/{i:D4}").ToArray();
        var frame = keys.SelectMany(k => RawRespClient.Encode("GET", k)).ToArray();
        await client.Send(frame);
        for (var i = 0; i < keys.Length; i++)
            Assert.Equal(node.Owner(keys[i]), await client.ReadReply());
        // Nothing more than the 1000 replies: the next reply is the answer to a new command.
        Assert.Equal("PONG", await client.Command("PING"));
    }

    [Fact(DisplayName = "A pipeline mixing multibulk and inline commands is answered in order")]
    public async Task Mixed_pipeline()
    {
        await using var client = await node.Connect();
        await client.Send("*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET b\r\nPING\r\n*3\r\n$4\r\nMGET\r\n$1\r\nc\r\n$1\r\nd\r\nECHO \"x y\"\r\n");
        Assert.Equal(node.Owner("a"), await client.ReadReply());
        Assert.Equal(node.Owner("b"), await client.ReadReply());
        Assert.Equal("PONG", await client.ReadReply());
        Assert.Equal(new object?[] { node.Owner("c"), node.Owner("d") }, await client.ReadReply());
        Assert.Equal("x y", await client.ReadReply());
    }

    [Fact(DisplayName = "Commands split at every byte over separate writes are answered as if sent whole")]
    public async Task Frame_split_at_every_byte()
    {
        await using var client = await node.Connect();
        var bytes = RawRespClient.Encode("GET", "/documents/split")
            .Concat(RawRespClient.Encode("MGET", "k1", "k2", "k3"))
            .Concat(Encoding.ASCII.GetBytes("RING.LOOKUP \"inline key\" 2\r\n"))
            .Concat(RawRespClient.Encode("PING"))
            .ToArray();
        foreach (var b in bytes)
        {
            await client.Send(new[] { b });
            await Task.Delay(1); // NoDelay is on: each byte leaves as its own segment
        }
        Assert.Equal(node.Owner("/documents/split"), await client.ReadReply());
        Assert.Equal(new object?[] { node.Owner("k1"), node.Owner("k2"), node.Owner("k3") }, await client.ReadReply());
        Assert.Equal(node.Ring.PreferenceList("inline key", 2).Select(b => (object?)b.Endpoint).ToArray(), await client.ReadReply());
        Assert.Equal("PONG", await client.ReadReply());
    }

    [Fact(DisplayName = "A split frame waits for its last byte: no reply is sent before the command is complete")]
    public async Task Incomplete_frame_gets_no_reply()
    {
        await using var client = await node.Connect();
        var frame = RawRespClient.Encode("GET", "/documents/late");
        await client.Send(frame.AsMemory(0, frame.Length - 1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReadReply(TimeSpan.FromMilliseconds(300)));
        await client.Send(frame.AsMemory(frame.Length - 1));
        Assert.Equal(node.Owner("/documents/late"), await client.ReadReply());
    }

    [Fact(DisplayName = "Inline commands ending in a bare LF (netcat style), with blank lines between, are answered")]
    public async Task Lf_terminated_inline_commands()
    {
        await using var client = await node.Connect();
        await client.Send("GET a\n\r\n\nPING\nECHO \"x y\"\n");
        Assert.Equal(node.Owner("a"), await client.ReadReply());
        Assert.Equal("PONG", await client.ReadReply());
        Assert.Equal("x y", await client.ReadReply());
    }

    [Fact(DisplayName = "QUIT in a pipeline: commands before it are answered, QUIT gets +OK, the connection closes and later commands are not run")]
    public async Task Quit_in_a_pipeline()
    {
        await using var client = await node.Connect();
        await client.Send("GET a\r\nQUIT\r\nGET b\r\nPING\r\n");
        Assert.Equal(node.Owner("a"), await client.ReadReply());
        Assert.Equal("OK", await client.ReadReply());
        var after = await Record.ExceptionAsync(() => client.ReadReply());
        Assert.True(after is EndOfStreamException or System.Net.Sockets.SocketException, $"expected the connection to be closed, got {after?.GetType().Name ?? "a reply"}");
    }
}
