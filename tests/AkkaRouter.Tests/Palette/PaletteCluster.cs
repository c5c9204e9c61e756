using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>A router and two backend sidecars as real `akkarouter` processes, with known palette and management ports.</summary>
public sealed class PaletteCluster : IAsyncLifetime
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);

    private readonly List<NodeProcess> _nodes = new();

    public int SeedPort { get; } = FreePort.Next();
    public int RouterCmdPort { get; } = FreePort.Next();
    public int RouterManagementPort { get; } = FreePort.Next();
    public int RouterRespPort { get; } = FreePort.Next();
    public int[] BackendRemotingPorts { get; } = [FreePort.Next(), FreePort.Next()];
    public int[] BackendManagementPorts { get; } = [FreePort.Next(), FreePort.Next()];
    public int[] BackendServicePorts { get; } = [FreePort.Next(), FreePort.Next()];

    public NodeProcess Router => _nodes[0];
    public IReadOnlyList<NodeProcess> Backends => _nodes.Skip(1).ToList();
    public string RouterCmd => $"127.0.0.1:{RouterCmdPort}";
    public string BackendAddress(int i) => $"akka.tcp://akkarouter@127.0.0.1:{BackendRemotingPorts[i]}";
    public string RouterAddress => $"akka.tcp://akkarouter@127.0.0.1:{SeedPort}";

    public async Task InitializeAsync()
    {
        _nodes.Add(NodeProcess.Start(["run"], $$"""
            akka.remote.dot-netty.tcp.port = {{SeedPort}}
            akka.cluster.roles = [router]
            akka-router { resp.port = {{RouterRespPort}}, http.port = 0, cmd.port = {{RouterCmdPort}}, management.port = {{RouterManagementPort}} }
            """));
        await Router.WaitForOutput("is Up with roles [router]", Deadline);
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(NodeProcess.Start(["run"], $$"""
                akka.remote.dot-netty.tcp.port = {{BackendRemotingPorts[i]}}
                akka.cluster.seed-nodes = ["{{RouterAddress}}"]
                akka.cluster.roles = [backend]
                akka-router.node { service-endpoint = "127.0.0.1:{{BackendServicePorts[i]}}", zone = "zone-{{i}}" }
                # No service runs behind these backends: health checks would keep them off the ring.
                akka-router.node.health-check.type = none
                akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = {{BackendManagementPorts[i]}} }
                """));
        }
        await EventuallyAsync.True(async () => (await Cmd("ring", "show")).Stdout.Contains("2 backends, 6144 points"), Deadline, "both backends own keys on the router's ring");
    }

    /// <summary>`akkarouter cmd ROUTER args...` as an operator runs it.</summary>
    public Task<ToolResult> Cmd(params string[] args) =>
        ToolProcess.Run(NodeProcess.Executable, null, TimeSpan.FromSeconds(30), ["cmd", RouterCmd, .. args]);

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
            await node.DisposeAsync();
    }
}
