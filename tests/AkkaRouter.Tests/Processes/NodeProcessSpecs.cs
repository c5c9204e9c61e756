using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Processes;

/// <summary>The `akkarouter` executable as an operator starts and stops it.</summary>
public class NodeProcessSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const string FreePorts = """
        akka.remote.dot-netty.tcp.port = 0
        akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
        """;

    [Fact(DisplayName = "SIGTERM runs CoordinatedShutdown: the node leaves the cluster and exits 0")]
    public async Task Sigterm_leaves_and_exits_zero()
    {
        await using var node = NodeProcess.Start(["run"], FreePorts);
        await node.WaitForOutput("is Up with roles [router]", Deadline);
        node.Terminate();
        var exitCode = await node.WaitForExit(Deadline);
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{node.Output}");
        Assert.Contains("Exiting completed", node.Output);
    }

    [Fact(DisplayName = "The start names the GC and its gen0 budget: the operator's DOTNET_GCgen0size as set, the runtime's own with advice when it is large")]
    public async Task Start_line_names_the_gen0_budget()
    {
        await using var set = NodeProcess.Start(["run"], new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x2000000" }, FreePorts);
        await using var derived = NodeProcess.Start(["run"], new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "" }, FreePorts);
        await set.WaitForOutput("gen0 budget", Deadline);
        await derived.WaitForOutput("gen0 budget", Deadline);

        var setLine = Line(set.Output);
        Assert.Contains("INF] Runtime: workstation GC, concurrent, 1 heap, gen0 budget 32 MB (DOTNET_GCgen0size)", setLine);
        Assert.DoesNotContain("caps it", setLine);

        // The runtime derives the budget from the CPU's largest cache, so its size depends on the machine: the advice
        // and the warning level must follow the figure printed.
        var derivedLine = Line(derived.Output);
        var match = System.Text.RegularExpressions.Regex.Match(derivedLine, @"gen0 budget ([0-9.]+) MB(.*)$");
        Assert.True(match.Success, derivedLine);
        var megabytes = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(megabytes > 0, derivedLine);
        if (megabytes > 32)
        {
            Assert.Contains("WRN] Runtime:", derivedLine);
            Assert.EndsWith("; memory rises by up to that much between collections: DOTNET_GCgen0size=0x2000000 in the environment caps it at 32 MB, as the Docker image does", derivedLine);
        }
        else
        {
            Assert.Contains("INF] Runtime:", derivedLine);
            Assert.Equal("", match.Groups[2].Value);
        }

        static string Line(string output) => output.Split('\n').Single(l => l.Contains("] Runtime: ", StringComparison.Ordinal));
    }

    [Theory(DisplayName = "Bad configuration stops the process at start with one line naming the key")]
    [InlineData("akka.cluster.roles = [router, gateway]", "akkarouter: configuration error: akka.cluster.roles: unknown role 'gateway'")]
    [InlineData("akka-router.node.weight = -2", "akkarouter: configuration error: akka-router.node.weight: -2 is out of range")]
    [InlineData("akka-router { node { weight = 1 }", "malformed HOCON: line 1: '{' is never closed")]
    [InlineData("akka.cluster.roles = [router, null]", "akkarouter: configuration error: akka.cluster.roles: null is not allowed in this list")]
    public async Task Bad_configuration_fails_fast(string hocon, string expected)
    {
        await using var node = NodeProcess.Start(["run"], hocon);
        var exitCode = await node.WaitForExit(Deadline);
        Assert.Equal(2, exitCode);
        var lines = node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact(DisplayName = "SIGTERM as soon as the node starts (remoting starting) stops it cleanly with exit 0, never an unhandled exception")]
    public async Task Sigterm_during_start_exits_zero()
    {
        await using var node = NodeProcess.Start(["run"], FreePorts);
        await node.WaitForOutput("Starting remoting", Deadline);
        node.Terminate();
        var exitCode = await node.WaitForExit(Deadline);
        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{node.Output}");
        Assert.DoesNotContain("Unhandled exception", node.Output);
    }

    [Fact(DisplayName = "A remoting port another process holds stops the node at start with exit 1 and one line naming the address, never an unhandled exception")]
    public async Task Taken_remoting_port_exits_one()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var node = NodeProcess.Start(["run"], FreePorts, $"akka.remote.dot-netty.tcp.port = {port}");
        var exitCode = await node.WaitForExit(Deadline);
        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{node.Output}");
        Assert.Contains("akkarouter: cannot start:", node.Output);
        Assert.Contains($"127.0.0.1:{port}", node.Output);
        Assert.DoesNotContain("Unhandled exception", node.Output);
    }

    [Fact(DisplayName = "A node that cannot join its seed nodes in time stops and exits 4, so a supervisor starts a fresh incarnation")]
    public async Task Unjoinable_node_exits_four()
    {
        // A seed address where nothing listens (held, so nothing can start listening there), and a short give-up time.
        using var nothing = new ReservedPort();
        var seed = $"akka.tcp://akkarouter@{nothing.Endpoint}";
        await using var node = NodeProcess.Start(["run"], FreePorts, $$"""
            akka.cluster.roles = [backend]
            akka-router.node.service-endpoint = "127.0.0.1:9"
            akka.cluster.seed-nodes = ["{{seed}}"]
            akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 3s
            """);
        var exitCode = await node.WaitForExit(Deadline);
        Assert.True(exitCode == 4, $"exit code {exitCode}; output:\n{node.Output}");
    }

    [Fact(DisplayName = "An unknown command prints the usage and exits 2")]
    public async Task Unknown_command_prints_usage()
    {
        await using var node = NodeProcess.Start(["frobnicate"]);
        Assert.Equal(2, await node.WaitForExit(Deadline));
        Assert.Contains("unknown command 'frobnicate'", node.Output);
        Assert.Contains("akkarouter run [--config FILE ...]", node.Output);
    }
}
