using System.Net.Http;
using System.Text.RegularExpressions;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>Every palette command against a live three-process cluster, through `akkarouter cmd` and redis-cli.</summary>
public class PaletteCommandSpecs(PaletteCluster cluster) : IClassFixture<PaletteCluster>
{
    private static readonly Regex MemberLine = new(@"^akka\.tcp://akkarouter@127\.0\.0\.1:\d+ \| \[(router|backend)\] \| up \|$");

    private static void AssertOk(ToolResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Exception", result.Stdout + result.Stderr);
    }

    [Fact(DisplayName = "cluster show prints one Petabridge-style line per member, then the count")]
    public async Task Cluster_show()
    {
        var result = await cluster.Cmd("cluster", "show");
        AssertOk(result);
        Assert.Equal(4, result.Lines.Length);
        Assert.All(result.Lines[..3], line => Assert.Matches(MemberLine, line));
        Assert.Contains(result.Lines, l => l.StartsWith(cluster.RouterAddress + " | [router] | up |", StringComparison.Ordinal));
        Assert.Equal("Count: 3 nodes", result.Lines[3]);
    }

    [Fact(DisplayName = "cluster show -r backend lists only the backends")]
    public async Task Cluster_show_by_role()
    {
        var result = await cluster.Cmd("cluster", "show", "-r", "backend");
        AssertOk(result);
        Assert.Equal(["Count: 2 nodes"], result.Lines[2..]);
        Assert.All(result.Lines[..2], line => Assert.Contains("| [backend] | up |", line));
    }

    [Fact(DisplayName = "redis-cli -p 9110 cluster show gives the same output as akkarouter cmd")]
    public async Task Redis_cli_speaks_to_the_palette()
    {
        var viaRedisCli = await ToolProcess.RedisCli(cluster.RouterCmdPort, "cluster", "show");
        var viaCmd = await cluster.Cmd("cluster", "show");
        Assert.Equal(0, viaRedisCli.ExitCode);
        Assert.Equal(viaCmd.Lines, viaRedisCli.Lines);
    }

    [Fact(DisplayName = "cluster status and cluster leader name this node and the leader")]
    public async Task Cluster_status_and_leader()
    {
        var status = await cluster.Cmd("cluster", "status");
        AssertOk(status);
        Assert.Equal($"{cluster.RouterAddress} | [router] | up |", status.Lines.Single());
        var leader = await cluster.Cmd("cluster", "leader");
        AssertOk(leader);
        Assert.Matches(@"^akka\.tcp://akkarouter@127\.0\.0\.1:\d+$", leader.Lines.Single());
    }

    [Fact(DisplayName = "ring show lists both backends with zone, weight, points and shares that add up to 100%")]
    public async Task Ring_show()
    {
        var result = await cluster.Cmd("ring", "show");
        AssertOk(result);
        Assert.StartsWith("Ring v", result.Lines[0]);
        Assert.Contains("2 backends, 6144 points", result.Lines[0]);
        var rows = result.Lines.Skip(2).ToArray();
        Assert.Equal(2, rows.Length);
        var total = 0.0;
        for (var i = 0; i < 2; i++)
        {
            var row = rows.Single(r => r.StartsWith($"127.0.0.1:{cluster.BackendServicePorts[i]}", StringComparison.Ordinal));
            Assert.Contains($"zone-{i}", row);
            Assert.Contains("3072", row);
            total += double.Parse(Regex.Match(row, @"([\d.]+) ?%$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        Assert.InRange(total, 99.9, 100.1);
    }

    [Fact(DisplayName = "ring lookup names the same owner as the RESP GET, then the preference list")]
    public async Task Ring_lookup_matches_resp()
    {
        var lookup = await cluster.Cmd("ring", "lookup", "-k", "/documents/abc", "-n", "2");
        AssertOk(lookup);
        var owner = (await ToolProcess.RedisCli(cluster.RouterRespPort, "GET", "/documents/abc")).Stdout.Trim();
        Assert.Equal($"/documents/abc -> {owner}", lookup.Lines[0]);
        Assert.StartsWith($"  1. {owner} ", lookup.Lines[1]);
        Assert.StartsWith("  2. 127.0.0.1:", lookup.Lines[2]);
        Assert.NotEqual(lookup.Lines[1], lookup.Lines[2]);
    }

    [Fact(DisplayName = "actor system and actor hierarchy show the node's actors")]
    public async Task Actor_commands()
    {
        var system = await cluster.Cmd("actor", "system");
        AssertOk(system);
        Assert.StartsWith($"akkarouter ({cluster.RouterAddress}), up ", system.Lines.Single());
        var hierarchy = await cluster.Cmd("actor", "hierarchy", "-d", "1", "-s", "/user");
        AssertOk(hierarchy);
        Assert.Equal("/user", hierarchy.Lines[0]);
        foreach (var actor in new[] { "ring", "resp", "cmd", "membership" })
            Assert.Contains("  " + actor, hierarchy.Lines);
    }

    [Fact(DisplayName = "log peek returns recent log lines, filtered by level")]
    public async Task Log_peek()
    {
        var info = await cluster.Cmd("log", "peek", "-c", "200", "-l", "info");
        AssertOk(info);
        Assert.Contains(info.Lines, l => l.Contains(" INF ") && l.Contains("Ring v"));
        var errors = await cluster.Cmd("log", "peek", "-l", "error");
        AssertOk(errors);
        Assert.DoesNotContain(errors.Lines, l => l.Contains(" INF "));
        var few = await cluster.Cmd("log", "peek", "-c", "3");
        Assert.True(few.Lines.Length <= 3, few.ToString());
    }

    [Fact(DisplayName = "help lists every command")]
    public async Task Help()
    {
        var help = await cluster.Cmd("help");
        AssertOk(help);
        foreach (var name in AkkaRouter.Palette.PaletteCatalog.Names)
            Assert.Contains(help.Lines, l => l.TrimStart().StartsWith(name, StringComparison.Ordinal));
    }

    [Theory(DisplayName = "Unknown commands and bad arguments get a usage line and exit 1, never a stack trace")]
    [InlineData(new[] { "cluster", "explode" }, "unknown command 'cluster explode'; cluster commands:")]
    [InlineData(new[] { "ring", "lookup" }, "-k KEY is required")]
    [InlineData(new[] { "ring", "lookup", "-k", "x", "-n", "zero" }, "-n must be a number from 1 to 1024")]
    [InlineData(new[] { "cluster", "down", "-a", "nonsense" }, "is not an address like akka.tcp://akkarouter@host:4053")]
    [InlineData(new[] { "cluster", "show", "-z", "1" }, "unknown option -z")]
    public async Task Bad_commands(string[] command, string message)
    {
        var result = await cluster.Cmd(command);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
    }

    [Fact(DisplayName = "cluster tail streams membership events until the client goes away")]
    public async Task Cluster_tail()
    {
        await using var tail = ToolProcess.Start(NodeProcess.Executable, "cmd", cluster.RouterCmd, "cluster", "tail");
        var lines = new List<string>();
        for (var i = 0; i < 3; i++)
            lines.Add(await tail.NextLine(TimeSpan.FromSeconds(20)));
        Assert.All(lines, l => Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} Member(Up|Joined) akka\.tcp://", l));
    }

    [Fact(DisplayName = "A stream ends when the client sends a newline: the palette answers +OK and the session goes on")]
    public async Task Stream_stops_and_session_continues()
    {
        await using var client = await RawRespClient.Connect(cluster.RouterCmdPort);
        await client.Send(RawRespClient.Encode("ring", "tail"));
        Assert.Contains("Ring v", Assert.IsType<string>(await client.ReadReply()));
        await client.Send("\n");
        object? reply;
        do reply = await client.ReadReply();
        while (reply is string line && line.Contains("Ring v"));
        Assert.Equal("OK", reply);
        Assert.Equal("PONG", await client.Command("PING"));
    }

    [Fact(DisplayName = "Ctrl+C ends a one-shot `akkarouter cmd ... ring tail` cleanly with exit code 0")]
    public async Task Ctrl_c_ends_a_tail()
    {
        // A process started with SIGINT ignored keeps ignoring it (the shell convention for background
        // jobs, which .NET follows), and a test host started as a background job passes that on:
        // `env --default-signal=INT` gives the tool the disposition a terminal user's Ctrl+C meets.
        await using var tail = ToolProcess.Start("env", "--default-signal=INT", NodeProcess.Executable, "cmd", cluster.RouterCmd, "ring", "tail");
        Assert.Contains("Ring v", await tail.NextLine(TimeSpan.FromSeconds(20)));
        Posix.Kill(tail.Pid, Posix.SIGINT);
        var result = await tail.Finish(TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
    }

    [Fact(DisplayName = "The interactive prompt reads commands from a pipe and answers each")]
    public async Task Interactive_prompt_from_a_pipe()
    {
        var result = await ToolProcess.Run(NodeProcess.Executable, "cluster leader\nring show\nexit\n", TimeSpan.FromSeconds(30), "cmd", cluster.RouterCmd);
        AssertOk(result);
        Assert.Contains(result.Lines, l => l.StartsWith("Connected to 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("Ring v", StringComparison.Ordinal));
    }

    [Fact(DisplayName = "/metrics parses as Prometheus text and its counters move with RESP traffic")]
    public async Task Metrics_move_with_traffic()
    {
        using var http = new HttpClient();
        var url = $"http://127.0.0.1:{cluster.RouterManagementPort}/metrics";
        var before = PrometheusText.Parse(await http.GetStringAsync(url));
        var pipeline = string.Concat(Enumerable.Range(0, 50).Select(i => $"GET /k/{i}\n"));
        var gets = await ToolProcess.Run("redis-cli", pipeline, TimeSpan.FromSeconds(20), "-p", cluster.RouterRespPort.ToString());
        Assert.Equal(0, gets.ExitCode);

        var key = "akkarouter_resp_commands_total{command=\"get\",result=\"ok\"}";
        await EventuallyAsync.True(async () =>
        {
            var after = PrometheusText.Parse(await http.GetStringAsync(url));
            return after.GetValueOrDefault(key) - before.GetValueOrDefault(key) >= 50;
        }, TimeSpan.FromSeconds(10), "GET counter moved by 50");
        var now = PrometheusText.Parse(await http.GetStringAsync(url));
        Assert.Equal(2, now["akkarouter_ring_backends"]);
        Assert.True(now["akkarouter_lookups_total{result=\"hit\"}"] >= 50);
        Assert.True(now.ContainsKey("akkarouter_resp_batch_duration_seconds_count"));
    }
}
