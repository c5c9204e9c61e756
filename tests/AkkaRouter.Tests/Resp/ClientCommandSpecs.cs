using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>CLIENT SETNAME, GETNAME, ID, LIST and KILL across connections of one node.</summary>
public class ClientCommandSpecs(RespNode node) : IClassFixture<RespNode>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    private static string[] ListLines(object? reply) =>
        ((string)reply!).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string? LineOf(string[] lines, long id) =>
        lines.SingleOrDefault(l => l.StartsWith($"id={id} ", StringComparison.Ordinal));

    [Fact(DisplayName = "CLIENT SETNAME/GETNAME round-trip; GETNAME is null before; names with spaces are refused")]
    public async Task Setname_getname()
    {
        await using var client = await node.Connect();
        Assert.Null(await client.Command("CLIENT", "GETNAME"));
        Assert.Equal("OK", await client.Command("CLIENT", "SETNAME", "lookup-1"));
        Assert.Equal("lookup-1", await client.Command("CLIENT", "GETNAME"));
        Assert.Equal(new RespErrorReply("ERR Client names cannot contain spaces, newlines or special characters."),
            await client.Command("CLIENT", "SETNAME", "a b"));
        Assert.Equal("lookup-1", await client.Command("CLIENT", "GETNAME"));
    }

    [Fact(DisplayName = "CLIENT ID is distinct per connection and CLIENT LIST shows each connection's id, address, name and last command")]
    public async Task Id_and_list()
    {
        await using var a = await node.Connect();
        await using var b = await node.Connect();
        var idA = Assert.IsType<long>(await a.Command("CLIENT", "ID"));
        var idB = Assert.IsType<long>(await b.Command("CLIENT", "ID"));
        Assert.NotEqual(idA, idB);
        Assert.Equal("OK", await b.Command("CLIENT", "SETNAME", "bee"));
        Assert.Equal(node.Owner("x"), await b.Command("GET", "x"));

        var lines = ListLines(await a.Command("CLIENT", "LIST"));
        var lineA = LineOf(lines, idA);
        var lineB = LineOf(lines, idB);
        Assert.NotNull(lineA);
        Assert.NotNull(lineB);
        Assert.Contains($" addr={a.Socket.LocalEndPoint} ", lineA);
        Assert.Contains($" addr={b.Socket.LocalEndPoint} ", lineB);
        Assert.Contains(" name=bee ", lineB);
        Assert.Contains(" cmd=get ", lineB);
        Assert.Contains(" cmd=client ", lineA);

        var only = ListLines(await a.Command("CLIENT", "LIST", "ID", idB.ToString()));
        Assert.Equal([lineB.Split(" age=")[0]], only.Select(l => l.Split(" age=")[0]));
    }

    [Fact(DisplayName = "CLIENT KILL ID closes the target connection, answers 1 (0 for an unknown id), and the killer keeps working")]
    public async Task Kill_by_id()
    {
        await using var killer = await node.Connect();
        await using var victim = await node.Connect();
        var victimId = Assert.IsType<long>(await victim.Command("CLIENT", "ID"));

        Assert.Equal(0L, await killer.Command("CLIENT", "KILL", "ID", "999999999"));
        Assert.Equal(1L, await killer.Command("CLIENT", "KILL", "ID", victimId.ToString()));
        Assert.True(await victim.WaitClosed(Deadline), "the killed connection should be closed by the server");
        await EventuallyAsync.True(async () => LineOf(ListLines(await killer.Command("CLIENT", "LIST")), victimId) is null,
            Deadline, "the killed client leaves CLIENT LIST");
        Assert.Equal(node.Owner("still"), await killer.Command("GET", "still"));
    }

    [Fact(DisplayName = "CLIENT KILL ip:port (old form) answers OK and closes that connection; an unknown address answers '-ERR No such client'")]
    public async Task Kill_by_address()
    {
        await using var killer = await node.Connect();
        await using var victim = await node.Connect();
        Assert.Equal("PONG", await victim.Command("PING"));
        Assert.Equal(new RespErrorReply("ERR No such client"), await killer.Command("CLIENT", "KILL", "127.0.0.1:1"));
        Assert.Equal("OK", await killer.Command("CLIENT", "KILL", victim.Socket.LocalEndPoint!.ToString()!));
        Assert.True(await victim.WaitClosed(Deadline));
        Assert.Equal("PONG", await killer.Command("PING"));
    }

    [Fact(DisplayName = "CLIENT KILL skips the caller unless SKIPME no, then answers before its connection closes, as Redis does")]
    public async Task Kill_self_replies_first()
    {
        await using var client = await node.Connect();
        var id = Assert.IsType<long>(await client.Command("CLIENT", "ID"));
        Assert.Equal(0L, await client.Command("CLIENT", "KILL", "ID", id.ToString()));
        Assert.Equal("PONG", await client.Command("PING"));
        Assert.Equal(1L, await client.Command("CLIENT", "KILL", "ID", id.ToString(), "SKIPME", "no"));
        Assert.True(await client.WaitClosed(Deadline));

        await using var old = await node.Connect();
        Assert.Equal("OK", await old.Command("CLIENT", "KILL", old.Socket.LocalEndPoint!.ToString()!));
        Assert.True(await old.WaitClosed(Deadline));
    }
}
