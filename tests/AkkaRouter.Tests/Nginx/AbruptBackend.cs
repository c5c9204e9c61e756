using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Tests.Nginx;

/// <summary>
/// A backend that accepts each connection, reads the request head and hangs up without answering:
/// alternately with a FIN (orderly close) and a RST (reset), the two ways a crashing service drops
/// a request it has already received.
/// </summary>
public sealed class AbruptBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _hangUps;

    private AbruptBackend(TcpListener listener)
    {
        _listener = listener;
        Endpoint = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        _accepting = Task.Run(Accept);
    }

    public string Endpoint { get; }

    /// <summary>The request line ("GET /path HTTP/1.1") of every request received and dropped.</summary>
    public ConcurrentQueue<string> Dropped { get; } = new();

    public static AbruptBackend Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new AbruptBackend(listener);
    }

    private async Task Accept()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = HangUp(socket);
        }
    }

    private async Task HangUp(Socket socket)
    {
        using (socket)
        {
            try
            {
                var head = await ReadHead(socket);
                if (head is null)
                    return;
                Dropped.Enqueue(head[..head.IndexOf("\r\n", StringComparison.Ordinal)]);
                if (Interlocked.Increment(ref _hangUps) % 2 == 0)
                    socket.LingerState = new LingerOption(true, 0);   // close() now sends a RST
                else
                    socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
            }
        }
    }

    /// <summary>Reads up to the blank line that ends the request head; null when the peer closed first.</summary>
    private async Task<string?> ReadHead(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0)
                return null;
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return received.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
