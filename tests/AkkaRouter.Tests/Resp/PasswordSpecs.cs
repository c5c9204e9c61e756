using System.Globalization;
using AkkaRouter.Tests.Support;
using StackExchange.Redis;

namespace AkkaRouter.Tests.Resp;

/// <summary>A node whose RESP port requires the password "s3cret".</summary>
public sealed class PasswordNode : RespNode
{
    public const string Password = "s3cret";

    protected override string Hocon => ThreeBackends + $"\nakka-router.resp.password = \"{Password}\"\n";
}

public class PasswordSpecs(PasswordNode node) : IClassFixture<PasswordNode>
{
    private static readonly RespErrorReply NoAuth = new("NOAUTH Authentication required.");
    private static readonly RespErrorReply WrongPass = new("WRONGPASS invalid username-password pair or user is disabled.");

    private string Port => node.Port.ToString(CultureInfo.InvariantCulture);

    [Fact(DisplayName = "Before AUTH, GET, MGET, PING and RING.INFO answer '-NOAUTH Authentication required.'")]
    public async Task Unauthenticated_commands_are_refused()
    {
        await using var client = await node.Connect();
        Assert.Equal(NoAuth, await client.Command("GET", "/documents/abc"));
        Assert.Equal(NoAuth, await client.Command("MGET", "a", "b"));
        Assert.Equal(NoAuth, await client.Command("PING"));
        Assert.Equal(NoAuth, await client.Command("RING.INFO"));
        Assert.Equal(NoAuth, await client.Command("CLIENT", "LIST"));
        // Inline GET goes through the same check.
        await client.Send("GET /documents/abc\r\n");
        Assert.Equal(NoAuth, await client.ReadReply());
    }

    [Fact(DisplayName = "A wrong password or user gets '-WRONGPASS ...' and stays unauthenticated; AUTH s3cret then GET answers the owner")]
    public async Task Auth_then_get()
    {
        await using var client = await node.Connect();
        Assert.Equal(WrongPass, await client.Command("AUTH", "wrong"));
        Assert.Equal(WrongPass, await client.Command("AUTH", "bob", PasswordNode.Password));
        Assert.Equal(NoAuth, await client.Command("GET", "k"));
        Assert.Equal("OK", await client.Command("AUTH", PasswordNode.Password));
        Assert.Equal(node.Owner("/documents/abc"), await client.Command("GET", "/documents/abc"));
        Assert.Equal("PONG", await client.Command("PING"));
    }

    [Fact(DisplayName = "AUTH default s3cret (username form) authenticates")]
    public async Task Auth_with_default_user()
    {
        await using var client = await node.Connect();
        Assert.Equal("OK", await client.Command("AUTH", "default", PasswordNode.Password));
        Assert.Equal(node.Owner("k"), await client.Command("GET", "k"));
    }

    [Fact(DisplayName = "HELLO 3 without AUTH is refused with NOAUTH; HELLO 3 AUTH default s3cret switches to RESP3 and authenticates")]
    public async Task Hello_with_auth()
    {
        await using var client = await node.Connect();
        var refused = Assert.IsType<RespErrorReply>(await client.Command("HELLO", "3"));
        Assert.StartsWith("NOAUTH HELLO must be called with the client already authenticated", refused.Message);
        Assert.Equal(WrongPass, await client.Command("HELLO", "3", "AUTH", "default", "nope"));

        var hello = Assert.IsType<Dictionary<string, object?>>(await client.Command("HELLO", "3", "AUTH", "default", PasswordNode.Password));
        Assert.Equal(3L, hello["proto"]);
        Assert.Equal("akkarouter", hello["server"]);
        Assert.Equal(node.Owner("/documents/abc"), await client.Command("GET", "/documents/abc"));
        // RESP3: RING.INFO is a map now.
        var info = Assert.IsType<Dictionary<string, object?>>(await client.Command("RING.INFO"));
        Assert.Equal(node.Ring.Checksum.ToString("x16", CultureInfo.InvariantCulture), info["checksum"]);
    }

    [Fact(DisplayName = "redis-cli -a s3cret answers GET; without -a it prints the NOAUTH error")]
    public async Task Redis_cli_with_password()
    {
        var ok = await ToolProcess.RedisCli(node.Port, "--no-auth-warning", "-a", PasswordNode.Password, "GET", "/documents/abc");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal([node.Owner("/documents/abc")], ok.Lines);

        var refused = await ToolProcess.RedisCli(node.Port, "GET", "/documents/abc");
        Assert.Equal("NOAUTH Authentication required.", refused.Lines[0]);

        var resp3 = await ToolProcess.RedisCli(node.Port, "--no-auth-warning", "-3", "-a", PasswordNode.Password, "GET", "/documents/abc");
        Assert.Equal([node.Owner("/documents/abc")], resp3.Lines);
    }

    [Fact(DisplayName = "StackExchange.Redis with password=s3cret connects and gets owners; with a wrong password it fails to connect")]
    public async Task StackExchange_with_password()
    {
        var log = new StringWriter();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port},password={PasswordNode.Password}", log))
        {
            Assert.True(mux.IsConnected, log.ToString());
            var db = mux.GetDatabase();
            for (var i = 0; i < 20; i++)
                Assert.Equal(node.Owner($"/documents/{i}"), (string?)await db.StringGetAsync($"/documents/{i}"));
        }

        var wrong = ConfigurationOptions.Parse($"127.0.0.1:{Port},password=wrong,connectTimeout=2000,connectRetry=1");
        await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(wrong));
    }
}
