using System.Net;
using System.Net.Sockets;
using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests;

/// <summary>The harness itself: nodes on ports the OS picks, and a restart whose port was taken meanwhile.</summary>
public sealed class ClusterHarnessSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact(DisplayName = "A node restarted after another socket took its remoting port starts on a new port instead of failing; one whose port is free keeps it")]
    public async Task Restart_moves_off_a_taken_port()
    {
        await using var cluster = new ClusterHarness();
        var node = cluster.StartSeedRouter("router-1");
        await cluster.Run(output, async () =>
        {
            await node.WaitUntilUp(ClusterHarness.StartTimeout);
            var first = node.RemotingPort;
            Assert.NotEqual(0, first);

            // A free port: the new incarnation binds the same one.
            node.Kill();
            await node.WaitForExit(Deadline);
            var again = node.LineCount;
            await node.Restart();
            Assert.Equal(first, node.RemotingPort);
            await node.WaitUntilUp(ClusterHarness.StartTimeout, again);

            // Taken while the node was down: the first attempt fails to bind, the harness starts it on another port.
            node.Kill();
            await node.WaitForExit(Deadline);
            var taker = new TcpListener(IPAddress.Loopback, first);
            taker.Start();
            try
            {
                var from = node.LineCount;
                await node.Restart();
                output.WriteLine(string.Join('\n', node.Lines.Skip(from).Select(l => l.Text).Where(l => l.Contains("bind", StringComparison.OrdinalIgnoreCase) || l.StartsWith("----", StringComparison.Ordinal))));
                Assert.NotEqual(first, node.RemotingPort);
                Assert.Contains(node.Lines.Skip(from), l => l.Text.Contains($"Failed to bind to [127.0.0.1:{first}]", StringComparison.Ordinal));
                Assert.Contains(node.Lines.Skip(from), l => l.Text.Contains($"remoting port {first} was taken", StringComparison.Ordinal));
                await node.WaitUntilUp(ClusterHarness.StartTimeout, from);
            }
            finally
            {
                taker.Stop();
            }
        });
    }
}
