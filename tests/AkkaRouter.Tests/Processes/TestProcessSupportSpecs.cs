using System.Net;
using System.Net.Sockets;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Processes;

/// <summary>The helpers the process specs rely on: held dead ports, and child processes that never outlive the test host.</summary>
public class TestProcessSupportSpecs
{
    [Fact(DisplayName = "A reserved port refuses connections, and no other socket can bind it until it is released")]
    public void Reserved_port_is_dead_and_cannot_be_taken()
    {
        int port;
        using (var reserved = new ReservedPort())
        {
            port = reserved.Port;
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var refused = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);

            // A listener as Kestrel or a test service creates it (the platform's default socket options).
            var listener = new TcpListener(IPAddress.Loopback, port);
            var taken = Assert.Throws<SocketException>(() => listener.Start());
            Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        }

        var free = new TcpListener(IPAddress.Loopback, port);
        free.Start();
        free.Stop();
    }

    [Fact(DisplayName = "A started tool is registered for killing at test-host exit while it runs, and forgotten once disposed")]
    public async Task Tool_process_is_tracked_until_disposed()
    {
        var tool = ToolProcess.Start("sleep", "60");
        var pid = tool.Pid;
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        Assert.True(ChildProcesses.IsTracked(pid));
        await tool.DisposeAsync();
        Assert.False(ChildProcesses.IsTracked(pid));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), "sleep still running after dispose");
    }
}
