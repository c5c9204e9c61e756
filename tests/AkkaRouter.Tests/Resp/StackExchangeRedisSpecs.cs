using System.Globalization;
using StackExchange.Redis;

namespace AkkaRouter.Tests.Resp;

/// <summary>StackExchange.Redis with default options: its whole connect handshake must succeed against the lookup port.</summary>
public sealed class StackExchangeRedisSpecs(RespNode node) : IClassFixture<RespNode>, IAsyncLifetime
{
    private readonly StringWriter _log = new();
    private ConnectionMultiplexer _mux = null!;

    private string Endpoint => $"127.0.0.1:{node.Port.ToString(CultureInfo.InvariantCulture)}";

    public async Task InitializeAsync() => _mux = await ConnectionMultiplexer.ConnectAsync(Endpoint, _log);

    public async Task DisposeAsync() => await _mux.DisposeAsync();

    [Fact(DisplayName = "ConnectionMultiplexer.Connect(\"127.0.0.1:PORT\") with default options connects, sees a standalone master, and StringGet answers the owner")]
    public void Connects_and_gets()
    {
        using var mux = ConnectionMultiplexer.Connect(Endpoint, _log);
        Assert.True(mux.IsConnected, _log.ToString());
        var server = mux.GetServer(Endpoint);
        Assert.True(server.IsConnected, _log.ToString());
        Assert.Equal(ServerType.Standalone, server.ServerType);
        Assert.False(server.IsReplica);
        var db = mux.GetDatabase();
        foreach (var key in new[] { "/documents/abc", "/documents/def", "user:42", "" })
            Assert.Equal(node.Owner(key), (string?)db.StringGet(key));
    }

    [Fact(DisplayName = "With protocol=resp3 StackExchange.Redis negotiates RESP3 (HELLO 3) and StringGet and RING.LOOKUP still answer the ring")]
    public async Task Resp3_connection()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync($"{Endpoint},protocol=resp3", _log);
        Assert.True(mux.IsConnected, _log.ToString());
        Assert.Equal(RedisProtocol.Resp3, mux.GetServer(Endpoint).Protocol);
        var db = mux.GetDatabase();
        Assert.Equal(node.Owner("/documents/abc"), (string?)await db.StringGetAsync("/documents/abc"));
        var lookup = await db.ExecuteAsync("RING.LOOKUP", "k", 2);
        Assert.Equal(node.Ring.PreferenceList("k", 2).Select(b => b.Endpoint), ((RedisResult[])lookup!).Select(r => (string?)r));
        var info = await db.ExecuteAsync("RING.INFO");
        Assert.Equal(ResultType.Map, info.Resp3Type);
        Assert.Equal(node.Ring.Checksum.ToString("x16", CultureInfo.InvariantCulture), (string?)info.ToDictionary()["checksum"]);
    }

    [Fact(DisplayName = "An IBatch of 200 StringGetAsync all answer the keys' owners")]
    public async Task Batch_of_200()
    {
        var db = _mux.GetDatabase();
        var batch = db.CreateBatch();
        var keys = Enumerable.Range(0, 200).Select(i => $"/batch/{i}").ToArray();
        var gets = keys.Select(k => batch.StringGetAsync(k)).ToArray();
        batch.Execute();
        var values = await Task.WhenAll(gets);
        Assert.Equal(keys.Select(node.Owner), values.Select(v => (string?)v));
    }

    [Fact(DisplayName = "StringGet of many keys (MGET) answers each key's owner in order")]
    public async Task Multi_get()
    {
        var keys = Enumerable.Range(0, 50).Select(i => (RedisKey)$"/m/{i}").ToArray();
        var values = await _mux.GetDatabase().StringGetAsync(keys);
        Assert.Equal(keys.Select(k => node.Owner(k!)), values.Select(v => (string?)v));
    }

    [Fact(DisplayName = "db.Execute(\"RING.LOOKUP\", key, 3) returns the key's 3-entry preference list")]
    public void Ring_lookup_via_execute()
    {
        var db = _mux.GetDatabase();
        foreach (var key in new[] { "/documents/abc", "k", "user:42" })
        {
            var result = db.Execute("RING.LOOKUP", key, 3);
            Assert.Equal(ResultType.Array, result.Resp2Type);
            var expected = node.Ring.PreferenceList(key, 3).Select(b => b.Endpoint).ToArray();
            Assert.Equal(expected, ((RedisResult[])result!).Select(r => (string?)r));
        }
        var count = db.Execute("DBSIZE");
        Assert.Equal(3, (int)count);
    }

    [Fact(DisplayName = "server.Ping() and db.Ping() round-trip")]
    public async Task Ping()
    {
        var server = _mux.GetServer(Endpoint);
        var latency = server.Ping();
        Assert.True(latency >= TimeSpan.Zero && latency < TimeSpan.FromSeconds(5));
        Assert.True(await _mux.GetDatabase().PingAsync() < TimeSpan.FromSeconds(5));
        Assert.Equal("hello", (string?)await _mux.GetDatabase().ExecuteAsync("ECHO", "hello"));
    }

    [Fact(DisplayName = "CLIENT LIST shows the multiplexer's connection with the name and library it set on connect")]
    public async Task Client_list_shows_library()
    {
        var list = (string?)await _mux.GetDatabase().ExecuteAsync("CLIENT", "LIST");
        Assert.NotNull(list);
        Assert.Contains("lib-name=SE.Redis", list);
    }

    [Fact(DisplayName = "An error reply surfaces as RedisServerException with the server's text, and the connection stays usable")]
    public async Task Errors_surface()
    {
        var db = _mux.GetDatabase();
        var error = await Assert.ThrowsAsync<RedisServerException>(() => db.ExecuteAsync("NOPE", "x"));
        Assert.Equal("ERR unknown command 'NOPE', with args beginning with: 'x' ", error.Message);
        Assert.Equal(node.Owner("after"), (string?)await db.StringGetAsync("after"));
    }
}
