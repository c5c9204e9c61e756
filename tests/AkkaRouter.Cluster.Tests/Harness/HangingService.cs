using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// A service that keeps accepting connections on 127.0.0.1 and either answers every HTTP request with 200, or, once
/// <see cref="Hang"/> is called, accepts and reads but never answers: the failure only a timed check catches.
/// </summary>
public sealed class HangingService : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _held = new();
    private readonly Task _accepting;
    private volatile bool _hanging;

    public HangingService()
    {
        _listener.Start();
        _accepting = Task.Run(Accept);
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>From now on, connections are accepted and requests read, but nothing is ever answered.</summary>
    public void Hang() => _hanging = true;

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => Serve(socket));
        }
    }

    private async Task Serve(Socket socket)
    {
        try
        {
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (_hanging)
            {
                lock (_held)
                    _held.Add(socket);
                return;
            }
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"), SocketFlags.None, _stop.Token);
            socket.Shutdown(SocketShutdown.Both);
            socket.Dispose();
        }
        catch (Exception)
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        lock (_held)
        {
            foreach (var socket in _held)
                socket.Dispose();
        }
        _stop.Dispose();
    }
}
