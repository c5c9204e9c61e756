using System.Text.RegularExpressions;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Nginx;

/// <summary>Starts the `akkarouter` nodes the nginx front asks, and finds the RESP port each one bound.</summary>
public static partial class RouterNode
{
    /// <summary>Every listener on a port the OS picks, so nodes never collide with each other or with other specs.</summary>
    public const string FreePorts = """
        akka.remote.dot-netty.tcp.port = 0
        akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
        # The front's own failover is under test: dead and hanging backends must stay on the ring.
        akka-router.health-check.type = none
        """;

    /// <summary>A single-node router whose ring holds exactly these static backends ("host:port").</summary>
    public static NodeProcess WithStaticBackends(IEnumerable<string> endpoints) =>
        NodeProcess.Start(["run"], FreePorts,
            $"akka-router.static-backends = [ {string.Join(", ", endpoints.Select(e => $"{{ endpoint = \"{e}\" }}"))} ]");

    /// <summary>A router whose static backends are in the services given with them.</summary>
    public static NodeProcess WithServices(IEnumerable<(string Endpoint, string Service)> backends) =>
        NodeProcess.Start(["run"], FreePorts,
            $"akka-router.static-backends = [ {string.Join(", ", backends.Select(b => $"{{ endpoint = \"{b.Endpoint}\", service = {b.Service} }}"))} ]");

    /// <summary>The RESP port the node logged once it listens.</summary>
    public static async Task<int> RespPort(NodeProcess node, TimeSpan timeout)
    {
        await node.WaitForOutput("RESP lookups listening on", timeout);
        return int.Parse(RespListening().Match(node.Output).Groups[1].Value);
    }

    /// <summary>The command palette's port the node logged once it listens.</summary>
    public static async Task<int> CmdPort(NodeProcess node, TimeSpan timeout)
    {
        await node.WaitForOutput("Command palette listening on", timeout);
        return int.Parse(CmdListening().Match(node.Output).Groups[1].Value);
    }

    [GeneratedRegex(@"Command palette listening on [^\s:]+:(\d+)")]
    private static partial Regex CmdListening();

    [GeneratedRegex(@"RESP lookups listening on [^\s:]+:(\d+)")]
    private static partial Regex RespListening();
}
