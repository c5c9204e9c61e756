using System.Collections.Concurrent;
using System.Text;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// Where a node listens: its host address, remoting port (0: one the OS picks, read from the node's log) and
/// (optionally) network namespace.
/// </summary>
public sealed record NodePlacement(string Host, int RemotingPort, string? Namespace = null);

/// <summary>
/// Starts a cluster of real `akkarouter run` processes from the SHIPPED HOCON files
/// (hocon/seed-router.conf, hocon/router.conf, hocon/backend-sidecar.conf), each layered with a
/// small override file (remoting port, 0 unless placed; RESP, HTTP, command and management ports 0; the HTTP edge's
/// debug header on) and the same
/// environment overrides docker/docker-compose.yml sets (hostname, seed nodes, service endpoint,
/// RESP host). Always kills every process it started, also when the test host itself exits.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    /// <summary>Generous deadline for start-up and convergence on a loaded 2-core machine.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly ConcurrentDictionary<ClusterNode, byte> Everything = new();

    private readonly List<ClusterNode> _nodes = new();
    private readonly Func<string, NodePlacement> _place;
    private ClusterNode? _seed;

    static ClusterHarness()
    {
        // Last resort: never leave a node running after the test host goes away.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var node in Everything.Keys)
                node.KillNow();
        };
    }

    /// <summary>
    /// A harness on 127.0.0.1 where every node binds remoting on a port the OS picks, or placed by
    /// <paramref name="place"/> (in a network namespace of its own a fixed port cannot collide).
    /// </summary>
    public ClusterHarness(Func<string, NodePlacement>? place = null) =>
        _place = place ?? (_ => new NodePlacement("127.0.0.1", 0));

    public IReadOnlyList<ClusterNode> Nodes
    {
        get { lock (_nodes) return _nodes.ToArray(); }
    }

    public IEnumerable<ClusterNode> Routers => Nodes.Where(n => n.Spec.IsRouter);
    public IEnumerable<ClusterNode> Backends => Nodes.Where(n => !n.Spec.IsRouter);

    public ClusterNode this[string name] => Nodes.Single(n => n.Name == name);

    /// <summary>
    /// Starts the seed router from hocon/seed-router.conf (with further AKKAROUTER__... overrides). Must come first.
    /// On a port the OS picks the seed cannot name itself up front: it gets no seed nodes and forms the cluster
    /// by joining itself (as the shipped seed does, naming itself first); the others are given the address it logs.
    /// </summary>
    public ClusterNode StartSeedRouter(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var placement = _place(name);
        var seedNodes = placement.RemotingPort == 0 ? "[]" : $"[\"akka.tcp://akkarouter@{placement.Host}:{placement.RemotingPort}\"]";
        _seed = Start(name, "seed-router.conf", isRouter: true, placement, serviceEndpoint: null, environment, seedNodes);
        return _seed;
    }

    /// <summary>Starts a further router from hocon/router.conf (with further AKKAROUTER__... overrides).</summary>
    public ClusterNode StartRouter(string name, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(name, "router.conf", isRouter: true, _place(name), serviceEndpoint: null, environment);

    /// <summary>
    /// Starts a backend sidecar from hocon/backend-sidecar.conf fronting <paramref name="serviceEndpoint"/>,
    /// checking it with the shipped health-check settings, or with <paramref name="healthCheckType"/>
    /// (as AKKAROUTER__AKKA_ROUTER__NODE__HEALTH_CHECK__TYPE) when given.
    /// </summary>
    public ClusterNode StartBackend(string name, string serviceEndpoint, string? healthCheckType = null) =>
        StartBackend(name, serviceEndpoint, healthCheckType is null ? [] : new Dictionary<string, string> { ["AKKAROUTER__AKKA_ROUTER__NODE__HEALTH_CHECK__TYPE"] = healthCheckType });

    /// <summary>Starts a backend sidecar with further environment overrides (AKKAROUTER__... keys).</summary>
    public ClusterNode StartBackend(string name, string serviceEndpoint, IReadOnlyDictionary<string, string> environment) =>
        Start(name, "backend-sidecar.conf", isRouter: false, _place(name), serviceEndpoint, environment);

    private ClusterNode Start(string name, string shippedConfig, bool isRouter, NodePlacement placement, string? serviceEndpoint,
        IReadOnlyDictionary<string, string>? extraEnvironment = null, string? seedNodes = null)
    {
        if (seedNodes is null)
        {
            var seed = _seed ?? throw new InvalidOperationException("start the seed router first");
            // Known as soon as the seed logged its remoting address (before it is Up); callers wait for the seed anyway.
            seedNodes = $"[\"{seed.WaitForAddress(StartTimeout).GetAwaiter().GetResult()}\"]";
        }
        // In a namespace a node has the network to itself and binds every interface, exactly as in
        // docker-compose.yml; on the shared host it stays on its own address.
        var bind = placement.Namespace is null ? placement.Host : "0.0.0.0";
        var environment = new Dictionary<string, string>
        {
            ["AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__HOSTNAME"] = bind,
            ["AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__PUBLIC_HOSTNAME"] = placement.Host,
            ["AKKAROUTER__AKKA__CLUSTER__SEED_NODES"] = seedNodes,
            ["AKKAROUTER__AKKA_ROUTER__RESP__HOST"] = bind,
        };
        if (serviceEndpoint is not null)
            environment["AKKAROUTER__AKKA_ROUTER__NODE__SERVICE_ENDPOINT"] = serviceEndpoint;
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
            environment[key] = value;
        // The remoting port is written by the node itself (ClusterNode keeps it across restarts).
        var overrides = $$"""
            # per-test ports, layered over hocon/{{shippedConfig}}
            akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
            # responses name the backend(s) the edge tried (X-AkkaRouter-Backend): HttpLoad counts failovers with it
            akka-router.http.debug-headers = on
            """;
        var spec = new NodeSpec(name, shippedConfig, isRouter, placement.Host, placement.RemotingPort, serviceEndpoint,
            placement.Namespace, environment);
        var node = new ClusterNode(spec, overrides);
        lock (_nodes)
            _nodes.Add(node);
        Everything[node] = 0;
        return node;
    }

    /// <summary>
    /// Waits until every running router has published a ring of <paramref name="backends"/> backends, all
    /// owning keys (their health checks passed), and all of them show the same checksum; returns that checksum.
    /// </summary>
    public Task<string> WaitForAgreement(int backends, TimeSpan timeout) => WaitForAgreement(backends, backends, timeout);

    /// <summary>As <see cref="WaitForAgreement(int, TimeSpan)"/>, with <paramref name="owners"/> of the backends owning keys.</summary>
    public async Task<string> WaitForAgreement(int backends, int owners, TimeSpan timeout)
    {
        string? checksum = null;
        await Eventually.True(() =>
        {
            var rings = Routers.Where(r => !r.HasExited).Select(r => r.Ring).ToArray();
            if (rings.Length == 0 || rings.Any(r => r is null || r.Backends != backends || r.Owners != owners))
                return false;
            checksum = rings[0]!.Checksum;
            return rings.All(r => r!.Checksum == checksum);
        }, timeout, $"all routers on one ring of {backends} backends, {owners} owning keys; rings now:\n{RingSummary()}");
        return checksum!;
    }

    /// <summary>Each router's latest ring, one line per router.</summary>
    public string RingSummary() =>
        string.Join('\n', Routers.Select(r => $"  {r.Name}: {r.Ring?.Text ?? "(no ring yet)"}"));

    /// <summary>The first line after <paramref name="since"/> on any node that contains all of <paramref name="parts"/>.</summary>
    public LogLine? FirstLine(DateTime since, params string[] parts) =>
        Nodes.SelectMany(n => n.Lines)
            .Where(l => l.At >= since && parts.All(p => l.Text.Contains(p, StringComparison.Ordinal)))
            .MinBy(l => l.At);

    /// <summary>Every node's recent output, to print when a test fails.</summary>
    public string Output(int linesPerNode = 150)
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
            text.Append(node.Tail(linesPerNode)).Append('\n');
        return text.ToString();
    }

    /// <summary>Runs a test step; on failure prints every node's output to the test's output and rethrows.</summary>
    public async Task Run(ITestOutputHelper output, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch
        {
            output.WriteLine("---- node output ----");
            output.WriteLine(Output());
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
            Everything.TryRemove(node, out _);
        }
    }
}
