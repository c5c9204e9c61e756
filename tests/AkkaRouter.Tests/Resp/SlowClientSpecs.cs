using System.Diagnostics;
using System.Net.Sockets;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>A node that closes connections idle for 1 s and drops clients that leave a reply write pending for 1 s.</summary>
public sealed class ImpatientNode : RespNode
{
    protected override string Hocon => ThreeBackends + """

        akka-router.resp.idle-timeout = 1s
        akka-router.resp.output-timeout = 1s
        """;
}

public class SlowClientSpecs(ImpatientNode node) : IClassFixture<ImpatientNode>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static string[] ClientIds(object? clientList) =>
        ((string)clientList!).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();

    [Fact(DisplayName = "With idle-timeout = 1s an idle connection is closed by the server, while a connection that keeps talking stays open")]
    public async Task Idle_connection_is_closed()
    {
        await using var idle = await node.Connect();
        await using var busy = await node.Connect();
        Assert.Equal("PONG", await idle.Command("PING"));
        var clock = Stopwatch.StartNew();

        var closed = idle.WaitClosed(Deadline);
        while (!closed.IsCompleted)
        {
            Assert.Equal(node.Owner("/busy"), await busy.Command("GET", "/busy"));
            await Task.WhenAny(closed, Task.Delay(200));
        }
        Assert.True(await closed, "the idle connection should be closed within the deadline");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {clock.Elapsed}, before the idle timeout");
        // The busy connection outlived the idle timeout because it kept sending.
        Assert.Equal(node.Owner("/busy"), await busy.Command("GET", "/busy"));
    }

    [Fact(DisplayName = "With output-timeout = 1s a client that pipelines large MGETs and never reads is dropped, while another client keeps working")]
    public async Task Client_that_never_reads_is_dropped()
    {
        await using var observer = await node.Connect();
        // A small receive window: the server's reply writes block soon instead of filling megabytes of client buffer.
        await using var slow = await node.Connect(receiveBufferSize: 4096);
        var slowId = Assert.IsType<long>(await slow.Command("CLIENT", "ID"));
        Assert.Contains($"id={slowId}", ClientIds(await observer.Command("CLIENT", "LIST")));

        // 2000 keys per MGET: ~40 KB of reply for each ~30 KB request. Keep writing until the server drops us.
        var keys = Enumerable.Range(0, 2000).Select(i => $"/k/{i:D6}").ToArray();
        var request = RawRespClient.Encode(["MGET", .. keys]);
        using var stop = new CancellationTokenSource();
        var written = 0L;
        var flood = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await slow.Socket.SendAsync(request, SocketFlags.None, stop.Token);
                    Interlocked.Add(ref written, request.Length);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        });

        try
        {
            var clock = Stopwatch.StartNew();
            await EventuallyAsync.True(async () =>
            {
                Assert.Equal(node.Owner("/observer"), await observer.Command("GET", "/observer"));
                return !ClientIds(await observer.Command("CLIENT", "LIST")).Contains($"id={slowId}");
            }, TimeSpan.FromSeconds(15), "the client that does not read leaves CLIENT LIST");
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"dropped after {clock.Elapsed}, before the output timeout");
            // Megabytes went out before the drop, so the client was never idle from the server's side:
            // it was dropped for not reading (the output timeout), not by the idle timeout.
            Assert.True(Interlocked.Read(ref written) > 1_000_000, $"only {Interlocked.Read(ref written)} bytes were written before the drop");

            Assert.True(await slow.WaitClosed(Deadline), "the slow client's socket should read end-of-stream or a reset");
            Assert.Equal(node.Owner("/observer"), await observer.Command("GET", "/observer"));
        }
        finally
        {
            stop.Cancel();
            slow.Socket.Dispose();
            await flood;
        }
    }
}
