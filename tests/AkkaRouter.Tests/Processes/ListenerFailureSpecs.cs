using System.Net;
using System.Text.RegularExpressions;
using AkkaRouter.Hosting;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Processes;

/// <summary>
/// Listener failures injected into a real `akkarouter` process (AKKAROUTER_FAULT_INJECTION=on, the palette's
/// `fault listener` command): a RESP or palette listener comes back on its port, or the process exits 5 with one line
/// naming the listener; /health/ready says 503 while a listener is down.
/// </summary>
public class ListenerFailureSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(60);

    private const string Node = """
        akka.remote.dot-netty.tcp.port = 0
        akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
        akka-router.health-check.type = none
        akka-router.static-backends = [ { endpoint = "10.0.0.1:8081" } ]
        """;

    // A first rebind two seconds after the failure, so /health/ready's 503 is there to be seen.
    private const string SlowRebind = "akka-router.listener-rebind { attempts = 5, backoff = 2s, max-backoff = 2s }";

    private static readonly Dictionary<string, string> FaultsOn = new() { [ListenerFault.Variable] = "on" };

    /// <summary>A node process and the ports its log says it bound.</summary>
    private sealed class FaultNode : IAsyncDisposable
    {
        private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        private FaultNode(NodeProcess process) => Process = process;

        public NodeProcess Process { get; }
        public int Resp { get; private set; }
        public int Cmd { get; private set; }
        public int Management { get; private set; }

        public static async Task<FaultNode> Start(Dictionary<string, string> environment, params string[] hocon)
        {
            var node = new FaultNode(NodeProcess.Start(["run"], environment, [Node, .. hocon]));
            try
            {
                await node.Process.WaitForOutput("Management HTTP listening on", Deadline);
                node.Resp = node.Port("RESP lookups listening on");
                node.Cmd = node.Port("Command palette listening on");
                node.Management = node.Port("Management HTTP listening on");
                await node.WaitReady(true, "ready");
                return node;
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }

        private int Port(string line) =>
            int.Parse(Regex.Match(Process.Output, Regex.Escape(line) + @" 127\.0\.0\.1:(\d+)").Groups[1].Value);

        public async Task<(HttpStatusCode Status, string Body)> Ready()
        {
            using var response = await _http.GetAsync($"http://127.0.0.1:{Management}/health/ready");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public Task WaitReady(bool ready, string bodyContains) =>
            EventuallyAsync.True(async () =>
            {
                var (status, body) = await Ready();
                return (status == HttpStatusCode.OK) == ready && body.Contains(bodyContains, StringComparison.Ordinal);
            }, Deadline, $"/health/ready is {(ready ? 200 : 503)} with '{bodyContains}'; output:\n{Process.Output}");

        public async Task Inject(string listener, string kind)
        {
            var result = await ToolProcess.RedisCli(Cmd, "fault", "listener", "-l", listener, "-k", kind);
            Assert.True(result.Stdout.StartsWith($"injected {kind} into the {listener} listener", StringComparison.Ordinal), result.ToString());
        }

        /// <summary>Waits until `redis-cli -p PORT ARGS` prints <paramref name="expected"/> (a fresh connection each try).</summary>
        public static Task WaitAnswers(int port, string expected, params string[] args) =>
            EventuallyAsync.True(async () => (await ToolProcess.RedisCli(port, args)).Stdout.Contains(expected, StringComparison.Ordinal),
                Deadline, $"redis-cli -p {port} {string.Join(' ', args)} prints '{expected}'");

        public async Task ExitsWithListenerFailure(string line)
        {
            var exitCode = await Process.WaitForExit(ExitDeadline);
            Assert.True(exitCode == RouterNode.ListenerFailedExitCode, $"exit code {exitCode}; output:\n{Process.Output}");
            var stopLines = Process.Output.Split('\n').Where(l => l.Contains("stopping the node (exit code 5)", StringComparison.Ordinal)).ToList();
            Assert.True(stopLines.Count == 1, $"one stop line expected; output:\n{Process.Output}");
            Assert.Contains(line, stopLines[0]);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Process.DisposeAsync();
        }
    }

    [Fact(DisplayName = "RESP listening socket dies: /health/ready is 503 naming the RESP listener, then PING answers on the same port; an open connection keeps its answers")]
    public async Task Resp_socket_failure_rebinds()
    {
        await using var node = await FaultNode.Start(FaultsOn, SlowRebind);
        await using var open = await RawRespClient.Connect(node.Resp);
        Assert.Equal("PONG", await open.Command("PING"));

        await node.Inject("resp", "socket");
        await node.WaitReady(false, "RESP listener is rebinding");
        await FaultNode.WaitAnswers(node.Resp, "PONG", "PING");
        await node.WaitReady(true, "ready");

        Assert.Equal("10.0.0.1:8081", await open.Command("GET", "/documents/abc"));
        Assert.Contains("RESP listening again on 127.0.0.1:" + node.Resp, node.Process.Output);
        Assert.False(node.Process.HasExited);
    }

    [Fact(DisplayName = "RESP listener's actor crashes: its connections close, /health/ready is 503 meanwhile, and PING answers again on the same port")]
    public async Task Resp_actor_crash_rebinds()
    {
        await using var node = await FaultNode.Start(FaultsOn, SlowRebind);
        await using var open = await RawRespClient.Connect(node.Resp);
        Assert.Equal("PONG", await open.Command("PING"));

        await node.Inject("resp", "crash");
        Assert.True(await open.WaitClosed(Deadline), "a restart of the RESP listener closes the connections it supervised");
        await node.WaitReady(false, "RESP listener is rebinding");
        await FaultNode.WaitAnswers(node.Resp, "PONG", "PING");
        await node.WaitReady(true, "ready");
        Assert.False(node.Process.HasExited);
    }

    [Fact(DisplayName = "Palette listening socket dies, then its actor crashes: each time `cluster show` answers again through redis-cli on the same port")]
    public async Task Palette_failures_rebind()
    {
        await using var node = await FaultNode.Start(FaultsOn, SlowRebind);

        await node.Inject("cmd", "socket");
        await node.WaitReady(false, "command palette listener is rebinding");
        await FaultNode.WaitAnswers(node.Cmd, "Count: 1 nodes", "cluster", "show");
        await node.WaitReady(true, "ready");

        await node.Inject("cmd", "crash");
        await node.WaitReady(false, "command palette listener is rebinding");
        await FaultNode.WaitAnswers(node.Cmd, "Count: 1 nodes", "cluster", "show");
        await node.WaitReady(true, "ready");
        Assert.False(node.Process.HasExited);
    }

    [Fact(DisplayName = "RESP port taken by another socket: every rebind fails, /health/ready is 503 meanwhile, and the process exits 5 with one line naming the listener")]
    public async Task Resp_port_taken_stops_the_node()
    {
        await using var node = await FaultNode.Start(FaultsOn, "akka-router.listener-rebind { attempts = 3, backoff = 500ms, max-backoff = 1s }");

        await node.Inject("resp", "port-taken");
        await node.WaitReady(false, "RESP listener is rebinding");
        await node.ExitsWithListenerFailure($"RESP listener on 127.0.0.1:{node.Resp} is dead: 3 rebind attempts failed (last: Address already in use)");
        Assert.Contains("RESP rebind attempt 2 of 3", node.Process.Output);
    }

    [Theory(DisplayName = "A listener actor that stops, or an HTTP edge that fails, exits the process with 5 and one line naming the listener")]
    [InlineData("resp", "stop", "RESP listener on 127.0.0.1:")]
    [InlineData("http", "crash", "HTTP edge failed (InvalidOperationException: injected failure of the HTTP edge)")]
    public async Task Unrecoverable_listener_failure_stops_the_node(string listener, string kind, string line)
    {
        await using var node = await FaultNode.Start(FaultsOn);
        await node.Inject(listener, kind);
        await node.ExitsWithListenerFailure(line);
    }

    [Fact(DisplayName = "Without AKKAROUTER_FAULT_INJECTION=on the palette has no fault command")]
    public async Task Fault_command_needs_the_variable()
    {
        await using var node = await FaultNode.Start(new Dictionary<string, string>());
        var result = await ToolProcess.RedisCli(node.Cmd, "fault", "listener", "-l", "resp", "-k", "socket");
        Assert.DoesNotContain("injected", result.Stdout);
        Assert.Contains("unknown command", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        await FaultNode.WaitAnswers(node.Resp, "PONG", "PING");
    }
}
