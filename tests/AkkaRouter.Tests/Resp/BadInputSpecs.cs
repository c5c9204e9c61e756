using System.Text;
using AkkaRouter.Resp;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Resp;

/// <summary>A node with small request limits: 1 KiB arguments, at most 16 arguments.</summary>
public sealed class LimitedNode : RespNode
{
    protected override string Hocon => ThreeBackends + """

        akka-router.resp.max-bulk-length = 1k
        akka-router.resp.max-arguments = 16
        """;
}

/// <summary>Malformed or oversized requests get Redis's protocol error and lose their connection; other clients never notice.</summary>
public class BadInputSpecs(LimitedNode node) : IClassFixture<LimitedNode>
{
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(5);

    private async Task<RawRespClient> ConnectedBystander()
    {
        var bystander = await node.Connect();
        Assert.Equal(node.Owner("/before"), await bystander.Command("GET", "/before"));
        return bystander;
    }

    private async Task AssertStillServes(RawRespClient bystander)
    {
        for (var i = 0; i < 20; i++)
            Assert.Equal(node.Owner($"/after/{i}"), await bystander.Command("GET", $"/after/{i}"));
        Assert.Equal(new object?[] { node.Owner("x"), node.Owner("y") }, await bystander.Command("MGET", "x", "y"));
        // And new connections are accepted.
        await using var fresh = await node.Connect();
        Assert.Equal("PONG", await fresh.Command("PING"));
    }

    [Fact(DisplayName = "Garbage '*abc' gets '-ERR Protocol error: invalid multibulk length' and its connection closes; a concurrent client keeps its answers")]
    public async Task Garbage_closes_only_its_connection()
    {
        await using var bystander = await ConnectedBystander();
        await using var bad = await node.Connect();
        await bad.Send("*abc\r\n");
        Assert.Equal(new RespErrorReply("ERR Protocol error: invalid multibulk length"), await bad.ReadReply());
        Assert.True(await bad.WaitClosed(CloseDeadline), "the server should close a connection it cannot resynchronise");
        await AssertStillServes(bystander);
    }

    [Fact(DisplayName = "A bad frame after good pipelined commands: the good ones are answered, then the protocol error, then the close")]
    public async Task Good_commands_before_garbage_are_answered()
    {
        await using var bad = await node.Connect();
        await bad.Send(Encoding.ASCII.GetBytes("GET a\r\n").Concat(RawRespClient.Encode("GET", "b")).Concat("*2\r\n$3\r\nGET\r\nxyz\r\n"u8.ToArray()).ToArray());
        Assert.Equal(node.Owner("a"), await bad.ReadReply());
        Assert.Equal(node.Owner("b"), await bad.ReadReply());
        Assert.Equal(new RespErrorReply("ERR Protocol error: expected '$', got 'x'"), await bad.ReadReply());
        Assert.True(await bad.WaitClosed(CloseDeadline));
    }

    [Fact(DisplayName = "An argument longer than max-bulk-length (1 KiB) gets '-ERR Protocol error: invalid bulk length' and a close, before its bytes are sent")]
    public async Task Bulk_over_limit()
    {
        await using var bystander = await ConnectedBystander();
        await using var bad = await node.Connect();
        // Only the header is sent: the server must refuse on the declared length, not wait for 2000 bytes.
        await bad.Send("*2\r\n$3\r\nGET\r\n$2000\r\n");
        Assert.Equal(new RespErrorReply("ERR Protocol error: invalid bulk length"), await bad.ReadReply());
        Assert.True(await bad.WaitClosed(CloseDeadline));
        await AssertStillServes(bystander);
    }

    [Fact(DisplayName = "An argument of exactly max-bulk-length (1 KiB) is accepted")]
    public async Task Bulk_at_limit()
    {
        await using var client = await node.Connect();
        var key = new string('k', 1024);
        Assert.Equal(node.Owner(key), await client.Command("GET", key));
    }

    [Fact(DisplayName = "More arguments than max-arguments (16) gets a protocol error and a close; 16 arguments are fine")]
    public async Task Too_many_arguments()
    {
        await using var bystander = await ConnectedBystander();
        await using var ok = await node.Connect();
        var fifteen = Enumerable.Range(0, 15).Select(i => $"k{i}").ToArray();
        Assert.Equal(fifteen.Select(k => (object?)node.Owner(k)).ToArray(), await ok.Command(["MGET", .. fifteen]));

        await using var bad = await node.Connect();
        await bad.Send(RawRespClient.Encode(["MGET", .. Enumerable.Range(0, 16).Select(i => $"k{i}")]));
        Assert.Equal(new RespErrorReply("ERR Protocol error: invalid multibulk length"), await bad.ReadReply());
        Assert.True(await bad.WaitClosed(CloseDeadline));

        await using var inline = await node.Connect();
        await inline.Send("MGET " + string.Join(' ', Enumerable.Range(0, 16).Select(i => $"k{i}")) + "\r\n");
        Assert.Equal(new RespErrorReply("ERR Protocol error: too big inline request"), await inline.ReadReply());
        Assert.True(await inline.WaitClosed(CloseDeadline));
        await AssertStillServes(bystander);
    }

    [Fact(DisplayName = "Unbalanced quotes in an inline command get '-ERR Protocol error: unbalanced quotes in request' and a close")]
    public async Task Unbalanced_quotes()
    {
        await using var bad = await node.Connect();
        await bad.Send("GET \"abc\r\n");
        Assert.Equal(new RespErrorReply("ERR Protocol error: unbalanced quotes in request"), await bad.ReadReply());
        Assert.True(await bad.WaitClosed(CloseDeadline));
    }

    [Fact(DisplayName = "Random binary garbage from many clients at once never takes the server down")]
    public async Task Binary_garbage_from_many_clients()
    {
        await using var bystander = await ConnectedBystander();
        var random = new Random(42);
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            var bytes = new byte[4096];
            lock (random) random.NextBytes(bytes);
            bytes[0] = (byte)'*'; // a multibulk header with a garbage count
            await using var bad = await node.Connect();
            try
            {
                await bad.Send(bytes);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // the server may close before everything is written
            }
            return await bad.WaitClosed(CloseDeadline);
        }).ToArray();
        Assert.All(await Task.WhenAll(tasks), Assert.True);
        await AssertStillServes(bystander);
    }
}

/// <summary>A node that accepts at most two RESP clients.</summary>
public sealed class TwoClientNode : RespNode
{
    protected override string Hocon => ThreeBackends + "\nakka-router.resp.max-clients = 2\n";
}

public class MaxClientsSpecs(TwoClientNode node) : IClassFixture<TwoClientNode>
{
    // Connections of the previous spec may still be closing on the server side.
    private Task NoClientsConnected() =>
        Eventually.True(() => node.Node.Host.Services.GetRequiredService<RespClientRegistry>().Count == 0,
            TimeSpan.FromSeconds(10), "the previous spec's connections are gone");

    [Fact(DisplayName = "With max-clients = 2 a burst of 6 simultaneous connections admits at most 2; the others get '-ERR max number of clients reached'")]
    public async Task Burst_of_connections_respects_the_limit()
    {
        await NoClientsConnected();
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => node.Connect()));
        try
        {
            var replies = await Task.WhenAll(clients.Select(async c =>
            {
                try
                {
                    await c.Send("PING\r\n");
                }
                catch (System.Net.Sockets.SocketException)
                {
                    // a rejected connection may already be closed
                }
                return await c.ReadReply();
            }));
            var admitted = replies.Count(r => r is "PONG");
            Assert.True(admitted is >= 1 and <= 2, $"{admitted} of 6 admitted: {string.Join(", ", replies)}");
            Assert.Equal(6 - admitted, replies.Count(r => r is RespErrorReply { Message: "ERR max number of clients reached" }));
        }
        finally
        {
            foreach (var c in clients)
                await c.DisposeAsync();
        }
    }

    [Fact(DisplayName = "With max-clients = 2 a third connection gets '-ERR max number of clients reached' and is closed; the first two keep working and a slot frees when one leaves")]
    public async Task Third_client_is_refused()
    {
        await NoClientsConnected();
        await using var first = await node.Connect();
        Assert.Equal("PONG", await first.Command("PING"));
        var second = await node.Connect();
        Assert.Equal("PONG", await second.Command("PING"));

        await using (var third = await node.Connect())
        {
            Assert.Equal(new RespErrorReply("ERR max number of clients reached"), await third.ReadReply());
            Assert.True(await third.WaitClosed(TimeSpan.FromSeconds(5)));
        }

        Assert.Equal(node.Owner("/documents/abc"), await first.Command("GET", "/documents/abc"));
        Assert.Equal(node.Owner("/documents/xyz"), await second.Command("GET", "/documents/xyz"));

        // The server notices the second client leave and admits a new one (the node keeps running).
        await second.DisposeAsync();
        await EventuallyAsync.True(async () =>
        {
            await using var again = await node.Connect();
            return await again.Command("PING") is "PONG";
        }, TimeSpan.FromSeconds(10), "a new client is admitted once one of the two leaves");
        var stats = (string)(await first.Command("INFO", "stats"))!;
        var rejected = stats.Split("\r\n").Single(l => l.StartsWith("rejected_connections:", StringComparison.Ordinal));
        Assert.True(long.Parse(rejected.Split(':')[1]) >= 1, stats);
    }
}
