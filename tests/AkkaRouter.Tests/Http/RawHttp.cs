using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Tests.Http;

/// <summary>What came back on a raw connection: the bytes (Latin-1) and whether the edge closed the connection.</summary>
public sealed record RawReply(string Text, bool Closed)
{
    /// <summary>The status codes of the responses in the order they came.</summary>
    public IReadOnlyList<int> Statuses => Text.Split("\r\n").Where(l => l.StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
        .Select(l => int.Parse(l.AsSpan(9, 3))).ToArray();

    public override string ToString() => $"closed={Closed}: {(Text.Length > 400 ? Text[..400] + "..." : Text)}";
}

/// <summary>HTTP/1.1 written byte for byte on a socket, so malformed and hostile requests reach the edge as they are.</summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> (Latin-1) and reads until the edge closes the connection or <paramref name="wait"/> passes.</summary>
    public static async Task<RawReply> Exchange(IPEndPoint edge, string request, TimeSpan? wait = null)
    {
        using var socket = await Connect(edge);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None);
        return await ReadToClose(socket, wait ?? TimeSpan.FromSeconds(5));
    }

    public static async Task<Socket> Connect(IPEndPoint edge, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
            socket.ReceiveBufferSize = size;
        await socket.ConnectAsync(edge);
        return socket;
    }

    /// <summary>Reads until the peer closes (end of stream or reset) or <paramref name="wait"/> passes (then Closed is false).</summary>
    public static async Task<RawReply> ReadToClose(Socket socket, TimeSpan wait)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using var deadline = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0)
                    return new RawReply(Encoding.Latin1.GetString(received.ToArray()), Closed: true);
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            return new RawReply(Encoding.Latin1.GetString(received.ToArray()), Closed: true);
        }
        catch (OperationCanceledException)
        {
            return new RawReply(Encoding.Latin1.GetString(received.ToArray()), Closed: false);
        }
    }

    /// <summary>Reads one response whose body is framed by Content-Length; throws when the connection ends first.</summary>
    public static async Task<string> ReadResponse(Socket socket, TimeSpan wait)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        using var deadline = new CancellationTokenSource(wait);
        while (true)
        {
            var text = Encoding.Latin1.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var length = text[..end].Split("\r\n").Where(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(l => int.Parse(l["Content-Length:".Length..].Trim())).FirstOrDefault();
                if (received.Count >= end + 4 + length)
                    return text[..(end + 4 + length)];
            }
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0)
                throw new IOException($"connection closed after {received.Count} bytes: {text}");
            received.AddRange(buffer.AsSpan(0, read));
        }
    }
}

/// <summary>
/// A well-behaved client requesting through the edge all along on its own pooled connections, counting answers: the
/// proof that one hostile client disturbs no other.
/// </summary>
public sealed class HealthyTraffic : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<string> _failures = new();
    private int _ok;

    public HealthyTraffic(IPEndPoint edge, string marker)
    {
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 2 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{edge.Port}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        _loop = Run(marker);
    }

    public int Succeeded => Volatile.Read(ref _ok);

    private async Task Run(string marker)
    {
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            try
            {
                using var response = await _client.GetAsync($"/healthy/{marker}/{n}", _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                if (response.StatusCode == HttpStatusCode.OK && body.StartsWith($"raw /healthy/{marker}/{n} ", StringComparison.Ordinal))
                    Interlocked.Increment(ref _ok);
                else
                    lock (_failures)
                        _failures.Add($"{(int)response.StatusCode}: {body}");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lock (_failures)
                    _failures.Add(e.GetBaseException().Message);
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Waits for <paramref name="more"/> answers beyond those counted so far (requests kept flowing), then stops and asserts none failed.</summary>
    public async Task StopAndAssertHealthy(int more = 5)
    {
        var target = Succeeded + more;
        var clock = Stopwatch.StartNew();
        while (Succeeded < target && clock.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(20);
        _stop.Cancel();
        await _loop;
        lock (_failures)
            Assert.True(_failures.Count == 0, "the healthy client got failures: " + string.Join(" | ", _failures.Take(5)));
        Assert.True(Succeeded >= target, $"the healthy client got {Succeeded} answers, expected at least {target}");
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
        _client.Dispose();
    }
}
