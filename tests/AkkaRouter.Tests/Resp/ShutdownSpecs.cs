using System.Net;
using System.Net.Sockets;
using AkkaRouter.Resp;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Resp;

/// <summary>Stopping a node (host.StopAsync, as on SIGTERM) unbinds the RESP port and drains open connections.</summary>
public class ShutdownSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact(DisplayName = "host.StopAsync answers the commands open connections already sent, then closes them and unbinds the port (new connects are refused)")]
    public async Task Stop_drains_and_unbinds()
    {
        await using var node = await RespNode.Start();
        var registry = node.Node.Host.Services.GetRequiredService<RespClientRegistry>();
        await using var idle = await node.Connect();
        await using var busy = await node.Connect();
        Assert.Equal("PONG", await idle.Command("PING"));
        Assert.Equal("PONG", await busy.Command("PING"));

        // 50 GETs the client has not read the replies of yet; stop once the server has taken them in.
        var keys = Enumerable.Range(0, 50).Select(i => $"/drain/{i}").ToArray();
        var before = registry.CommandsProcessed;
        await busy.Send(keys.SelectMany(k => RawRespClient.Encode("GET", k)).ToArray());
        await Eventually.True(() => registry.CommandsProcessed >= before + keys.Length, Deadline, "the server has received the 50 GETs");

        var stop = node.Node.Stop();
        foreach (var key in keys)
            Assert.Equal(node.Owner(key), await busy.ReadReply());
        Assert.True(await busy.WaitClosed(Deadline), "the connection should close once its replies are sent");
        Assert.True(await idle.WaitClosed(Deadline), "an idle connection should be closed by the shutdown");
        await stop.WaitAsync(Deadline);

        var refused = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, node.Port));
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact(DisplayName = "A command that arrives while the node is stopping is either answered or its connection closed, never left hanging")]
    public async Task Commands_during_stop_never_hang()
    {
        await using var node = await RespNode.Start();
        await using var client = await node.Connect();
        Assert.Equal("PONG", await client.Command("PING"));
        var stop = node.Node.Stop();
        var answered = 0;
        try
        {
            for (var i = 0; i < 10_000; i++)
            {
                Assert.Equal(node.Owner($"/late/{i}"), await client.Command("GET", $"/late/{i}"));
                answered++;
            }
        }
        catch (Exception e) when (e is EndOfStreamException or SocketException)
        {
            // closed by the drain: fine, as long as it did not hang (ReadReply has a deadline)
        }
        await stop.WaitAsync(Deadline);
        Assert.True(answered < 10_000 || await client.WaitClosed(Deadline), "the connection must end with the node");
    }
}
