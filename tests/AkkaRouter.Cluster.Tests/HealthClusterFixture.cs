using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// The health scenarios' cluster: router-1 (seed), router-2, backend-1..3 each fronting a real HTTP service;
/// backend-3 with a 6 s slow start.
/// </summary>
public sealed class HealthClusterFixture : IAsyncLifetime
{
    /// <summary>Paths the HTTP load requests.</summary>
    public static readonly string[] HttpKeys = Enumerable.Range(0, 2000).Select(i => $"/items/{i}").ToArray();

    public ClusterHarness Cluster { get; } = new();
    public ClusterNode Router1 => Cluster["router-1"];
    public ClusterNode Router2 => Cluster["router-2"];
    public Dictionary<string, BackendService> Services { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        try
        {
            var seed = Cluster.StartSeedRouter("router-1");
            await seed.WaitUntilUp(ClusterHarness.StartTimeout);
            Cluster.StartRouter("router-2");
            for (var i = 1; i <= 3; i++)
            {
                var name = $"backend-{i}";
                var service = await BackendService.Start(name);
                Services[name] = service;
                Cluster.StartBackend(name, service.Endpoint, i == 3
                    ? new Dictionary<string, string> { ["AKKAROUTER__AKKA_ROUTER__NODE__SLOW_START__DURATION"] = "6s" }
                    : []);
            }
            await Task.WhenAll(Cluster.Nodes.Select(n => n.WaitUntilUp(ClusterHarness.StartTimeout)));
            await Cluster.WaitForAgreement(3, ClusterHarness.StartTimeout);
            await Eventually.True(() => Cluster.Routers.All(r => r.CmdPort != 0 && r.ManagementPort != 0), ClusterHarness.StartTimeout, "palette and management ports bound");
        }
        catch (Exception e)
        {
            var output = Cluster.Output();
            await DisposeAsync();
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{output}", e);
        }
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var service in Services.Values)
            await service.DisposeAsync();
    }
}
