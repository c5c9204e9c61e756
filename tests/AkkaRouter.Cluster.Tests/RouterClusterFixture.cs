using System.Collections.Concurrent;
using AkkaRouter.Cluster.Tests.Harness;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Cluster.Tests;

/// <summary>
/// The cluster the scenarios share: router-1 (the seed, hocon/seed-router.conf), router-2
/// (hocon/router.conf) and backend-1..3 (hocon/backend-sidecar.conf), all on 127.0.0.1.
/// Each backend fronts a real HTTP service (<see cref="BackendService"/>, in the test process) on the
/// endpoint it advertises, answering with the backend's name, so the routers' HTTP edges can forward to it.
/// </summary>
public sealed class RouterClusterFixture : IAsyncLifetime
{
    /// <summary>The keys whose owners the scenarios compare.</summary>
    public static readonly string[] Keys = Enumerable.Range(0, 30_000).Select(i => $"/documents/{i}").ToArray();

    public ClusterHarness Cluster { get; } = new();
    public ClusterNode Router1 => Cluster["router-1"];
    public ClusterNode Router2 => Cluster["router-2"];

    /// <summary>Each backend's HTTP service, by backend name.</summary>
    public ConcurrentDictionary<string, BackendService> Services { get; } = new(StringComparer.Ordinal);

    /// <summary>Owners of <see cref="Keys"/> just before scenario 4 crashed backend-3 (scenario 5 compares against them).</summary>
    public string[]? OwnersBeforeCrash { get; set; }

    /// <summary>Ring checksum before scenario 4's crash.</summary>
    public string? ChecksumBeforeCrash { get; set; }

    public async Task InitializeAsync()
    {
        try
        {
            var seed = Cluster.StartSeedRouter("router-1");
            await seed.WaitUntilUp(ClusterHarness.StartTimeout);
            Cluster.StartRouter("router-2");
            for (var i = 1; i <= 3; i++)
                await StartBackend($"backend-{i}");
            await Task.WhenAll(Cluster.Nodes.Select(n => n.WaitUntilUp(ClusterHarness.StartTimeout)));
            await Cluster.WaitForAgreement(3, ClusterHarness.StartTimeout);
        }
        catch (Exception e)
        {
            var output = Cluster.Output();
            await DisposeAsync();
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{output}", e);
        }
    }

    /// <summary>Starts a backend's HTTP service on a free port of 127.0.0.1, then its sidecar node advertising that endpoint.</summary>
    public async Task<ClusterNode> StartBackend(string name)
    {
        var service = await BackendService.Start(name);
        Services[name] = service;
        return Cluster.StartBackend(name, service.Endpoint);
    }

    /// <summary>The name of the backend whose service listens on <paramref name="endpoint"/>.</summary>
    public string NameOf(string endpoint) => Services.Values.Single(s => s.Endpoint == endpoint).Name;

    /// <summary>Owners of all <see cref="Keys"/> according to <paramref name="router"/> (pipelined MGETs).</summary>
    public static async Task<string[]> Owners(ClusterNode router)
    {
        await using var client = await RawRespClient.Connect(router.Spec.Host, router.RespPort);
        return await client.Owners(Keys);
    }

    /// <summary>The checksum RING.INFO reports on <paramref name="router"/>.</summary>
    public static async Task<string> Checksum(ClusterNode router)
    {
        await using var client = await RawRespClient.Connect(router.Spec.Host, router.RespPort);
        return (await client.RingInfo())["checksum"];
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var service in Services.Values)
            await service.DisposeAsync();
    }
}
