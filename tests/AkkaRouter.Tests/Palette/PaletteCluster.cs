using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>
/// A router and two backend sidecars as real `akkarouter` processes. Every node binds its listeners and
/// remoting on ports the OS picks (0); the ports the specs use are read from what each node logs.
/// </summary>
public sealed class PaletteCluster : IAsyncLifetime
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);

    private readonly List<NodeProcess> _nodes = new();

    // The backends' service endpoints: no service runs behind them (health checks are off), the ring only
    // names them. Held for the fixture's lifetime, so nothing else can listen there meanwhile.
    private readonly ReservedPort[] _servicePorts = [new(), new()];

    public int SeedPort { get; private set; }
    public int RouterCmdPort { get; private set; }
    public int RouterManagementPort { get; private set; }
    public int RouterRespPort { get; private set; }
    public int[] BackendRemotingPorts { get; } = new int[2];
    public int[] BackendManagementPorts { get; } = new int[2];
    public int[] BackendServicePorts => _servicePorts.Select(p => p.Port).ToArray();

    public NodeProcess Router => _nodes[0];
    public IReadOnlyList<NodeProcess> Backends => _nodes.Skip(1).ToList();
    public string RouterCmd => $"127.0.0.1:{RouterCmdPort}";
    public string BackendAddress(int i) => $"akka.tcp://akkarouter@127.0.0.1:{BackendRemotingPorts[i]}";
    public string RouterAddress => $"akka.tcp://akkarouter@127.0.0.1:{SeedPort}";

    public async Task InitializeAsync()
    {
        // No seed nodes: the router forms the cluster on its own, on the remoting port it bound.
        _nodes.Add(NodeProcess.Start(["run"], """
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.roles = [router]
            akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
            """));
        await Router.WaitForOutput("is Up with roles [router]", Deadline);
        SeedPort = Port(await Router.RemotingAddress(Deadline));
        RouterCmdPort = await Router.ListeningPort("Command palette listening on", Deadline);
        RouterRespPort = await Router.ListeningPort("RESP lookups listening on", Deadline);
        RouterManagementPort = await Router.ListeningPort("Management HTTP listening on", Deadline);
        for (var i = 0; i < 2; i++)
        {
            _nodes.Add(NodeProcess.Start(["run"], $$"""
                akka.remote.dot-netty.tcp.port = 0
                akka.cluster.seed-nodes = ["{{RouterAddress}}"]
                akka.cluster.roles = [backend]
                akka-router.node { service-endpoint = "{{_servicePorts[i].Endpoint}}", zone = "zone-{{i}}" }
                # No service runs behind these backends: health checks would keep them off the ring.
                akka-router.node.health-check.type = none
                akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
                """));
        }
        for (var i = 0; i < 2; i++)
        {
            BackendRemotingPorts[i] = Port(await _nodes[i + 1].RemotingAddress(Deadline));
            BackendManagementPorts[i] = await _nodes[i + 1].ListeningPort("Management HTTP listening on", Deadline);
        }
        await EventuallyAsync.True(async () => (await Cmd("ring", "show")).Stdout.Contains("2 backends, 6144 points"), Deadline, "both backends own keys on the router's ring");
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..]);

    /// <summary>`akkarouter cmd ROUTER args...` as an operator runs it.</summary>
    public Task<ToolResult> Cmd(params string[] args) =>
        ToolProcess.Run(NodeProcess.Executable, null, TimeSpan.FromSeconds(30), ["cmd", RouterCmd, .. args]);

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
            await node.DisposeAsync();
        foreach (var port in _servicePorts)
            port.Dispose();
    }
}
