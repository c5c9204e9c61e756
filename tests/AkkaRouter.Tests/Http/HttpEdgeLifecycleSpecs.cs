using System.Net;
using System.Net.WebSockets;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.Http;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Http;

public class HttpEdgeLifecycleSpecs
{
    [Fact(DisplayName = "A WebSocket upgrade passes through the edge and echoes")]
    public async Task WebSocket_echo_passes_through()
    {
        await using var backend = await TestBackend.Start("ws");
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{edge.Http.Port}/chat/room-1"), CancellationToken.None);
        var buffer = new byte[1024];
        foreach (var text in new[] { "hello", "through the edge", new string('x', 900) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, received.Count));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact(DisplayName = "A killed circuit actor is restarted by its back-off supervisor and the edge serves throughout")]
    public async Task Circuit_actor_is_restarted()
    {
        await using var backend = await TestBackend.Start("only");
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        var registry = edge.Node.Host.Services.GetRequiredService<ActorRegistry>();
        var edgeActor = registry.Get<HttpEdgeActor>();
        await Eventually.True(() => edge.Circuits.Find(backend.Endpoint) is not null, TimeSpan.FromSeconds(5), "the backend's circuit published its state");
        var before = edge.Circuits.Find(backend.Endpoint);
        var circuit = await edge.Node.System.ActorSelection(edgeActor.Path / "*" / "circuit").ResolveOne(TimeSpan.FromSeconds(5));
        circuit.Tell(Kill.Instance);
        Assert.StartsWith("only ", await edge.Client.GetStringAsync("/during"));
        await Eventually.True(() => !ReferenceEquals(edge.Circuits.Find(backend.Endpoint), before), TimeSpan.FromSeconds(10), "the restarted circuit published a fresh state");
        Assert.Equal(CircuitPhase.Closed, edge.Circuits.Find(backend.Endpoint)!.Phase);
        Assert.False(edgeActor.IsNobody());
        Assert.StartsWith("only ", await edge.Client.GetStringAsync("/after"));
    }

    [Fact(DisplayName = "Stopping the node unbinds the edge and lets an in-flight request finish")]
    public async Task Shutdown_drains_in_flight_requests()
    {
        await using var backend = await TestBackend.Start("slow");
        var edge = await EdgeNode.Start([backend.Endpoint]);
        try
        {
            var inFlight = edge.Client.GetAsync("/slow/1500");
            await Eventually.True(() => backend.Seen.Any(s => s.Path == "/slow/1500"), TimeSpan.FromSeconds(5), "the slow request reached the backend");
            var stopping = edge.Node.Stop();
            using var response = await inFlight;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("slow GET /slow/1500\n", await response.Content.ReadAsStringAsync());
            await stopping;
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(edge.Http));
        }
        finally
        {
            await edge.DisposeAsync();
        }
    }
}
