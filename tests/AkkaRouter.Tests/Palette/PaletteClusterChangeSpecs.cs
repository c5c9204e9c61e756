using System.Net;
using System.Net.Http;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Palette;

/// <summary>`cluster leave -a` and `cluster down -a` change a live cluster as named; readiness follows.</summary>
public class PaletteClusterChangeSpecs(PaletteCluster cluster) : IClassFixture<PaletteCluster>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private static async Task<HttpStatusCode?> Readiness(int port)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}/health/ready");
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [Fact(DisplayName = "Leave and down through the palette remove the members, and readiness flips with them")]
    public async Task Leave_and_down_change_the_cluster()
    {
        // Each node sees itself Up only once gossip reaches it, a little after the router saw it.
        foreach (var port in new[] { cluster.RouterManagementPort, cluster.BackendManagementPorts[0], cluster.BackendManagementPorts[1] })
            await EventuallyAsync.True(async () => await Readiness(port) == HttpStatusCode.OK, PaletteCluster.Deadline, $"node with management port {port} ready");
        Assert.Equal("live\n", await Http.GetStringAsync($"http://127.0.0.1:{cluster.RouterManagementPort}/health/live"));

        var leave = await cluster.Cmd("cluster", "leave", "-a", cluster.BackendAddress(0));
        Assert.True(leave.ExitCode == 0, leave.ToString());
        Assert.Equal($"Leaving {cluster.BackendAddress(0)}", leave.Lines.Single());
        await EventuallyAsync.True(async () => (await cluster.Cmd("cluster", "show")).Stdout.Contains("Count: 2 nodes"), PaletteCluster.Deadline, "member count 2 after leave");
        await EventuallyAsync.True(async () => (await cluster.Cmd("ring", "show")).Stdout.Contains("1 backends"), PaletteCluster.Deadline, "ring drops the leaving backend");
        Assert.Equal(0, await cluster.Backends[0].WaitForExit(PaletteCluster.Deadline));
        Assert.Null(await Readiness(cluster.BackendManagementPorts[0]));

        var down = await cluster.Cmd("cluster", "down", "-a", cluster.BackendAddress(1));
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal($"Downing {cluster.BackendAddress(1)}", down.Lines.Single());
        await EventuallyAsync.True(async () => (await cluster.Cmd("cluster", "show")).Stdout.Contains("Count: 1 nodes"), PaletteCluster.Deadline, "member count 1 after down");
        await cluster.Backends[1].WaitForExit(PaletteCluster.Deadline);

        await EventuallyAsync.True(async () => await Readiness(cluster.RouterManagementPort) == HttpStatusCode.ServiceUnavailable,
            PaletteCluster.Deadline, "router not ready with an empty ring");
        Assert.Equal("ring has no backends\n", await (await Http.GetAsync($"http://127.0.0.1:{cluster.RouterManagementPort}/health/ready")).Content.ReadAsStringAsync());
    }

    [Fact(DisplayName = "Leaving or downing an address that is not a member is refused with a usage line")]
    public async Task Unknown_member_is_refused()
    {
        var result = await cluster.Cmd("cluster", "down", "-a", "akka.tcp://akkarouter@127.0.0.1:1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a member of this cluster", result.Stderr);
    }
}
