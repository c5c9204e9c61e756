using System.Text.RegularExpressions;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>
/// `ring drain`, `ring undrain` and `ring weight` on the palette port of a node with the production wiring, through a
/// RESP client and through `akkarouter cmd`; their effect seen on RING.NODES and `ring show`.
/// </summary>
public class RingOverrideCommandSpecs
{
    // Ids differ from endpoints, so a spec can tell which of the two a command named. Nothing listens on these
    // addresses: the checks are off, operator overrides are under test.
    private const string Hocon = """
        akka-router.health-check.type = none
        akka-router.static-backends = [
          { endpoint = "10.0.0.1:8081", id = cache-a },
          { endpoint = "10.0.0.2:8081", id = cache-b },
          { endpoint = "10.0.0.3:8081", id = cache-c }
        ]
        """;

    private static async Task<OperatedNode> Start()
    {
        var node = await OperatedNode.Start(Hocon);
        await node.WaitForNodes(n => n.Count == 3 && n.Values.All(b => b.State == "up"), "three backends are up");
        return node;
    }

    private static async Task<string> ShowRow(OperatedNode node, string id)
    {
        var show = Assert.IsType<string>(await node.Palette("ring", "show"));
        return show.Split('\n').Single(l => l.StartsWith(id + " ", StringComparison.Ordinal));
    }

    [Fact(DisplayName = "ring drain -b ID takes the backend's keys away (state draining, reason naming the palette); ring undrain -b ENDPOINT gives them back")]
    public async Task Drain_and_undrain()
    {
        await using var node = await Start();

        Assert.Equal("cache-a: drained on every reachable node\n", await node.Palette("ring", "drain", "-b", "cache-a"));
        var drained = await node.WaitForNodes(n => n["cache-a"].State == "draining", "cache-a is draining");
        Assert.Equal(("0", 0.0), (drained["cache-a"].EffectiveWeight, drained["cache-a"].Share));
        Assert.StartsWith("drained by operator (palette on akka.tcp://akkarouter@127.0.0.1:", drained["cache-a"].Reason);
        Assert.Equal(2L, await node.DbSize());
        Assert.Matches(@"^cache-a\s+10\.0\.0\.1:8081\s+1\s+0\s+draining\s+0\s+0\.00 %\s+drained by operator \(palette on akka\.tcp://",
            await ShowRow(node, "cache-a"));

        Assert.Equal("cache-a: undrained on every reachable node\n", await node.Palette("ring", "undrain", "--backend", "10.0.0.1:8081"));
        var undrained = await node.WaitForNodes(n => n["cache-a"].State == "up", "cache-a is up again");
        Assert.Equal(("1", ""), (undrained["cache-a"].EffectiveWeight, undrained["cache-a"].Reason));
        Assert.Equal(3L, await node.DbSize());
        Assert.Matches(@"^cache-a\s+10\.0\.0\.1:8081\s+1\s+1\s+up\s+3072\s+[\d.]+ %$", await ShowRow(node, "cache-a"));
    }

    [Fact(DisplayName = "ring weight -b BACKEND -w 2 overrides the weight: effective weight 2 and about twice the share of the others; -w 0 drains it")]
    public async Task Weight()
    {
        await using var node = await Start();

        Assert.Equal("cache-b: weight set to 2 on every reachable node\n", await node.Palette("ring", "weight", "-b", "10.0.0.2:8081", "-w", "2"));
        var nodes = await node.WaitForNodes(n => n["cache-b"].EffectiveWeight == "2", "cache-b has effective weight 2");
        Assert.Equal(("up", "2", ""), (nodes["cache-b"].State, nodes["cache-b"].Weight, nodes["cache-b"].Reason));
        Assert.InRange(nodes["cache-b"].Share, 0.45, 0.55); // 2 / (2 + 1 + 1)
        Assert.InRange(nodes["cache-a"].Share, 0.2, 0.3);
        Assert.Matches(@"^cache-b\s+10\.0\.0\.2:8081\s+2\s+2\s+up\s+6144\s+[\d.]+ %$", await ShowRow(node, "cache-b"));

        Assert.Equal("cache-b: weight set to 0.5 on every reachable node\n", await node.Palette("ring", "weight", "--backend", "cache-b", "--weight", "0.5"));
        await node.WaitForNodes(n => n["cache-b"].EffectiveWeight == "0.5", "cache-b has effective weight 0.5");

        // Weight 0 keeps the backend listed but takes its keys: draining, and the reason says who set it.
        Assert.Equal("cache-b: weight set to 0 on every reachable node\n", await node.Palette("ring", "weight", "-b", "cache-b", "-w", "0"));
        var zero = await node.WaitForNodes(n => n["cache-b"].State == "draining", "cache-b is draining at weight 0");
        Assert.Equal(("0", "0", 0.0), (zero["cache-b"].Weight, zero["cache-b"].EffectiveWeight, zero["cache-b"].Share));
        Assert.StartsWith("weight set to 0 by operator (palette on akka.tcp://akkarouter@127.0.0.1:", zero["cache-b"].Reason);
        Assert.Equal(2L, await node.DbSize());
    }

    [Fact(DisplayName = "Bad ring drain/undrain/weight commands (no -b, no or bad -w, unknown backend) answer -ERR with what is wrong and change nothing")]
    public async Task Bad_commands()
    {
        const string needsBackend = "ERR -b BACKEND is required (an id or endpoint, as `ring show` lists them)";
        const string badWeight = "ERR -w must be a number from 0 to 100";
        static string Unknown(string name) => $"ERR no backend '{name}' on the ring (give its id or endpoint, as `ring show` lists them)";
        (string[] Command, string Error)[] cases =
        [
            (["ring", "drain"], needsBackend),
            (["ring", "undrain"], needsBackend),
            (["ring", "weight", "-w", "2"], needsBackend),
            (["ring", "drain", "-b"], "ERR option -b needs a value"),
            (["ring", "drain", "-b", "cache-a", "-w", "2"], "ERR unknown option -w"),
            (["ring", "weight", "-b", "cache-a"], "ERR -w WEIGHT is required"),
            (["ring", "weight", "-b", "cache-a", "-w", "abc"], badWeight),
            (["ring", "weight", "-b", "cache-a", "-w", "-1"], badWeight),
            (["ring", "weight", "-b", "cache-a", "-w", "101"], badWeight),
            (["ring", "weight", "-b", "cache-a", "-w", "NaN"], badWeight),
            (["ring", "drain", "-b", "cache-z"], Unknown("cache-z")),
            (["ring", "undrain", "-b", "10.0.0.9:8081"], Unknown("10.0.0.9:8081")),
            (["ring", "weight", "-b", "cache-z", "-w", "2"], Unknown("cache-z")),
        ];
        await using var node = await Start();
        foreach (var (command, error) in cases)
            Assert.True(new RespErrorReply(error).Equals(await node.Palette(command)), $"{string.Join(' ', command)}: expected -{error}");

        // Barrier: a valid command reaches the ring after anything the refused ones could have written.
        Assert.Equal("cache-c: weight set to 3 on every reachable node\n", await node.Palette("ring", "weight", "-b", "cache-c", "-w", "3"));
        var nodes = await node.WaitForNodes(n => n["cache-c"].EffectiveWeight == "3", "cache-c has effective weight 3");
        foreach (var id in new[] { "cache-a", "cache-b" })
            Assert.True(nodes[id] is { State: "up", Weight: "1", EffectiveWeight: "1", Reason: "" }, nodes[id].ToString());
    }

    [Fact(DisplayName = "akkarouter cmd ring drain/undrain prints the reply and exits 0; an unknown backend prints the error and exits 1")]
    public async Task Through_akkarouter_cmd()
    {
        await using var node = await Start();
        var address = $"127.0.0.1:{node.CmdPort}";
        Task<ToolResult> Cmd(params string[] args) => ToolProcess.Run(NodeProcess.Executable, null, TimeSpan.FromSeconds(30), ["cmd", address, .. args]);

        var drain = await Cmd("ring", "drain", "-b", "cache-c");
        Assert.True(drain.ExitCode == 0, drain.ToString());
        Assert.Equal(["cache-c: drained on every reachable node"], drain.Lines);
        await node.WaitForNodes(n => n["cache-c"].State == "draining", "cache-c is draining");

        var unknown = await Cmd("ring", "drain", "-b", "cache-z");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("no backend 'cache-z' on the ring", unknown.Stderr);
        Assert.DoesNotContain("   at ", unknown.Stdout + unknown.Stderr);

        var undrain = await Cmd("ring", "undrain", "-b", "10.0.0.3:8081");
        Assert.True(undrain.ExitCode == 0, undrain.ToString());
        Assert.Equal(["cache-c: undrained on every reachable node"], undrain.Lines);
        await node.WaitForNodes(n => n["cache-c"].State == "up", "cache-c is up again");
        Assert.Matches(new Regex(@"^cache-c\s+10\.0\.0\.3:8081\s+1\s+1\s+up\s+3072\s"), await ShowRow(node, "cache-c"));
    }
}
