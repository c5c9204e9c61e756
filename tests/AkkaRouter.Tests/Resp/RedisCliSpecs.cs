using System.Globalization;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>redis-cli, the reference client, against the RESP port: answers equal the ring computed in the test process.</summary>
public class RedisCliSpecs(RespNode node) : IClassFixture<RespNode>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private Task<ToolResult> Cli(params string[] args) => ToolProcess.RedisCli(node.Port, args);

    private Task<ToolResult> CliWithStdin(string stdin, params string[] args) =>
        ToolProcess.Run("redis-cli", stdin, Deadline, ["-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture), .. args]);

    [Fact(DisplayName = "redis-cli GET /documents/abc prints the owner the ring computes")]
    public async Task Get_prints_owner()
    {
        var result = await Cli("GET", "/documents/abc");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([node.Owner("/documents/abc")], result.Lines);
    }

    [Fact(DisplayName = "redis-cli MGET of 100 keys prints 100 owners in key order")]
    public async Task Mget_of_100_keys()
    {
        var keys = Enumerable.Range(0, 100).Select(i => $"/documents/{i}").ToArray();
        var result = await Cli(["MGET", .. keys]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(keys.Select(node.Owner), result.Lines);
        Assert.True(result.Lines.Distinct().Count() == 3, "100 keys should spread over all three backends");
    }

    [Fact(DisplayName = "redis-cli RING.LOOKUP k 2 prints the key's two-entry preference list")]
    public async Task Ring_lookup_two()
    {
        var result = await Cli("RING.LOOKUP", "k", "2");
        var expected = node.Ring.PreferenceList("k", 2).Select(b => b.Endpoint).ToArray();
        Assert.Equal(2, expected.Distinct().Count());
        Assert.Equal(expected, result.Lines);
    }

    [Fact(DisplayName = "redis-cli RING.INFO reports the version, member count, points and checksum of the node's snapshot")]
    public async Task Ring_info_matches_snapshot()
    {
        var result = await Cli("RING.INFO");
        var ring = node.Ring;
        Assert.Equal(
            ["version", ring.Version.ToString(CultureInfo.InvariantCulture), "members", "3", "points", ring.PointCount.ToString(CultureInfo.InvariantCulture),
             "checksum", ring.Checksum.ToString("x16", CultureInfo.InvariantCulture), "placement", "all backends"],
            result.Lines);
    }

    [Fact(DisplayName = "redis-cli RING.NODES lists every backend with its weight, state and share of the key space")]
    public async Task Ring_nodes_lists_backends()
    {
        // Not .Lines: the last backend's empty reason is the last line, which trimming would drop.
        var lines = (await Cli("RING.NODES")).Stdout.Replace("\r\n", "\n").Split('\n')[..^1];
        // Nine field/value pairs per backend, one value per line.
        Assert.Equal(3 * 18, lines.Length);
        for (var i = 0; i < 3; i++)
        {
            var fields = lines.Skip(i * 18).Take(18).Chunk(2).ToDictionary(p => p[0], p => p[1]);
            var backend = node.Ring.Backends.Single(b => b.Endpoint == fields["endpoint"]);
            Assert.Equal(backend.Id, fields["id"]);
            Assert.Equal("default", fields["service"]);
            Assert.Equal(backend.Weight, double.Parse(fields["weight"], CultureInfo.InvariantCulture));
            Assert.Equal(backend.Weight, double.Parse(fields["effective-weight"], CultureInfo.InvariantCulture));
            Assert.Equal("up", fields["state"]);
            Assert.Equal("", fields["reason"]);
            // Printed with six decimals.
            Assert.Equal(node.Ring.ShareOf(backend.Id), double.Parse(fields["share"], CultureInfo.InvariantCulture), 0.000001);
        }
        Assert.Equal(["10.0.0.1:8081", "10.0.0.2:8081", "10.0.0.3:8081"], lines.Chunk(18).Select(b => b[3]).Order());
    }

    [Fact(DisplayName = "redis-cli DBSIZE prints the number of backends in the ring")]
    public async Task Dbsize_counts_backends()
    {
        Assert.Equal(["3"], (await Cli("DBSIZE")).Lines);
    }

    [Fact(DisplayName = "Inline commands piped to redis-cli (quoted key, PING, ECHO, SELECT) are answered in order")]
    public async Task Piped_inline_commands()
    {
        var stdin = """
            GET "quoted key"
            PING
            ECHO "hello world"
            SELECT 3
            GET 'single quoted'
            MGET a "b c"
            """ + "\n";
        var result = await CliWithStdin(stdin);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [node.Owner("quoted key"), "PONG", "hello world", "OK", node.Owner("single quoted"), node.Owner("a"), node.Owner("b c")],
            result.Lines);
    }

    [Fact(DisplayName = "redis-cli -3 (HELLO 3 first) gets RESP3 maps from HELLO and RING.INFO, and GET still answers the owner")]
    public async Task Resp3_session()
    {
        var result = await CliWithStdin("HELLO 3\nRING.INFO\nGET /documents/abc\n", "-3");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Lines;
        // redis-cli prints a RESP3 map entry as "key value" on one line.
        Assert.Contains("proto 3", lines);
        Assert.Contains("server akkarouter", lines);
        Assert.Contains($"checksum {node.Ring.Checksum.ToString("x16", CultureInfo.InvariantCulture)}", lines);
        Assert.Contains("members 3", lines);
        Assert.Equal(node.Owner("/documents/abc"), lines[^1]);
    }

    [Fact(DisplayName = "redis-cli driven line by line (interactive style) formats replies as Redis does, including unknown-command and arity errors")]
    public async Task Interactive_session()
    {
        await using var cli = ToolProcess.Start("redis-cli", "--no-raw", "-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("PONG", await cli.SendLine("PING"));
        Assert.Equal($"\"{node.Owner("/documents/abc")}\"", await cli.SendLine("GET /documents/abc"));
        Assert.Equal("(error) ERR unknown command 'foo', with args beginning with: 'bar' 'baz' ", await cli.SendLine("foo bar baz"));
        Assert.Equal("(error) ERR unknown command 'foo', with args beginning with: ", await cli.SendLine("foo"));
        Assert.Equal("(error) ERR wrong number of arguments for 'get' command", await cli.SendLine("GET"));
        Assert.Equal("(error) ERR wrong number of arguments for 'get' command", await cli.SendLine("GET a b"));
        Assert.Equal("(error) ERR wrong number of arguments for 'client|setname' command", await cli.SendLine("CLIENT SETNAME a b"));
        Assert.Equal("(integer) 3", await cli.SendLine("DBSIZE"));
        var lookup = node.Ring.PreferenceList("k", 3).Select(b => b.Endpoint).ToArray();
        Assert.Equal($"1) \"{lookup[0]}\"", await cli.SendLine("RING.LOOKUP k"));
        Assert.Equal($"2) \"{lookup[1]}\"", await cli.NextLine());
        Assert.Equal($"3) \"{lookup[2]}\"", await cli.NextLine());
        Assert.Equal("(error) ERR value is not an integer or out of range", await cli.SendLine("RING.LOOKUP k many"));
        Assert.Equal("(error) ERR unknown service '2' (known: default)", await cli.SendLine("RING.LOOKUP k 1 2"));
        Assert.Equal("(error) ERR syntax error", await cli.SendLine("RING.LOOKUP k 1 default extra"));
        // redis-cli sends QUIT and exits without printing its reply.
        await cli.WriteStdin("QUIT\n");
        var result = await cli.Finish(Deadline);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact(DisplayName = "redis-benchmark -t get,ping -n 2000 -c 10 completes and reports non-zero GET and PING throughput")]
    public async Task Redis_benchmark_smoke()
    {
        var result = await ToolProcess.Run("redis-benchmark", null, TimeSpan.FromSeconds(30),
            "-h", "127.0.0.1", "-p", node.Port.ToString(CultureInfo.InvariantCulture), "-t", "get,ping", "-n", "2000", "-c", "10", "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        // -q prints progress with carriage returns and then one "NAME: N requests per second" line per test.
        var finals = result.Stdout.Split('\r', '\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\s*(\S+): ([0-9.]+) requests per second"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(finals.ContainsKey("GET"), result.ToString());
        Assert.True(finals.ContainsKey("PING_INLINE") && finals.ContainsKey("PING_MBULK"), result.ToString());
        Assert.All(finals.Values, rps => Assert.True(rps > 0, result.ToString()));
    }
}
