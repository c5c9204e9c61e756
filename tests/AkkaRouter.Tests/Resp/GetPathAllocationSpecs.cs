using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Resp;
using AkkaRouter.Resp.Commands;
using AkkaRouter.Ring;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Resp;

/// <summary>The class runs alone: it counts the allocations of the whole process.</summary>
[CollectionDefinition(nameof(GetPathAllocation), DisableParallelization = true)]
public sealed class GetPathAllocation;

/// <summary>
/// "A GET allocates nothing", checked over the whole path a GET takes on a real socket: the connection loop's
/// receive and send, the parser, the command table, the ring lookup on a 100-backend ring, the per-connection
/// counters and the reply writer — the same <see cref="RespConnection"/> the server runs, without the actor that
/// only starts and stops it.
/// </summary>
[Collection(nameof(GetPathAllocation))]
public sealed class GetPathAllocationSpecs(ITestOutputHelper output)
{
    [Theory(DisplayName = "Over a real socket, GETs and RING.LOOKUP key 2 (the nginx front's lookup), one at a time and pipelined 16 deep, allocate nothing per lookup after warm-up (the whole process's allocations counted)")]
    [InlineData(1, false)]
    [InlineData(16, false)]
    [InlineData(1, true)]
    [InlineData(16, true)]
    public async Task The_whole_GET_path_allocates_nothing(int depth, bool ringLookup)
    {
        var view = new RingView();
        view.Publish(RingSnapshot.Build(Enumerable.Range(1, 100).Select(i => new Backend($"10.0.0.{i}:8080", $"10.0.0.{i}:8080", 1.0)).ToArray()));
        var settings = new RespServerSettings(new ListenerSettings(true, "127.0.0.1", 0), Password: "", MaxClients: 10,
            MaxBulkLength: 512 * 1024 * 1024, MaxArguments: 1024 * 1024, IdleTimeout: TimeSpan.Zero, OutputTimeout: TimeSpan.FromSeconds(30));
        var registry = new RespClientRegistry();
        var handler = new RespCommandHandler(view, settings, registry, new RespServerInfo());
        var stats = new RespCommandStats(new RouterMetrics());

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepted = listener.AcceptAsync();
        // A synchronous connect keeps the client socket blocking: its Send and Receive are plain system calls. (After
        // an asynchronous connect, .NET waits for each synchronous receive with an operation object and an event.)
        clientSocket.Connect(listener.LocalEndPoint!);
        var serverSocket = await accepted;
        serverSocket.NoDelay = true;
        var client = new RespClient(1, serverSocket.RemoteEndPoint, serverSocket.LocalEndPoint, Akka.Actor.ActorRefs.Nobody);
        var connection = new RespConnection(serverSocket, client, handler, new RespParser(), new RespBatchCounts(stats));
        var loop = Task.Run(connection.Run);

        // 16 different 32-byte keys, each GET framed as redis-benchmark and nginx's redis module send it.
        var keys = Enumerable.Range(0, depth).Select(i => $"/documents/{i:D22}").ToArray();
        var request = Encoding.ASCII.GetBytes(string.Concat(keys.Select(k => ringLookup
            ? $"*3\r\n$11\r\nRING.LOOKUP\r\n${k.Length}\r\n{k}\r\n$1\r\n2\r\n"
            : $"*2\r\n$3\r\nGET\r\n${k.Length}\r\n{k}\r\n")));
        var expected = Encoding.ASCII.GetBytes(string.Concat(keys.Select(k =>
        {
            var owners = view.Current.PreferenceList(k, 2).Select(b => $"${b.Endpoint.Length}\r\n{b.Endpoint}\r\n").ToList();
            return ringLookup ? $"*2\r\n{owners[0]}{owners[1]}" : owners[0];
        })));
        var reply = new byte[expected.Length];

        // The client side is synchronous with buffers allocated up front, so it adds nothing of its own.
        void RoundTrips(int count)
        {
            for (var i = 0; i < count; i++)
            {
                clientSocket.Send(request);
                var read = 0;
                while (read < reply.Length)
                    read += clientSocket.Receive(reply, read, reply.Length - read, SocketFlags.None);
            }
        }

        RoundTrips(20_000 / depth);
        Assert.Equal(expected, reply);

        // Five windows of 20,000 lookups each; the quietest one counts. The process is not otherwise idle: the test
        // host reports the previous case's result (a few hundred KB of serialisation, once) while this one runs, and
        // its timers and the thread pool allocate a little. An allocation per lookup shows in every window.
        var rounds = 20_000 / depth;
        var gets = rounds * depth;
        var windows = new long[5];
        for (var w = 0; w < windows.Length; w++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            RoundTrips(rounds);
            windows[w] = GC.GetTotalAllocatedBytes(precise: true) - before;
            Assert.Equal(expected, reply);
        }
        var allocated = windows.Min();

        var what = ringLookup ? "RING.LOOKUPs" : "GETs";
        output.WriteLine($"{gets} {what} in batches of {depth}, 5 windows: {string.Join(", ", windows)} bytes allocated by the whole process (quietest {(double)allocated / gets:F4} B per lookup)");
        // Nothing per lookup. Quiet windows measured a few KB that do not grow with the number of lookups. The smallest
        // object is 24 bytes, so one allocation per lookup would show as 480 KB in every window, and even one per 24
        // lookups crosses this bound of under 1 byte per lookup.
        Assert.True(allocated < gets, $"{allocated} bytes allocated over {gets} {what} in the quietest of 5 windows ({string.Join(", ", windows)})");

        clientSocket.Shutdown(SocketShutdown.Both);
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

