using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// A port of 127.0.0.1 held by this test and never listened on: connecting to it is refused, as to a dead
/// service, and no other socket can bind it while the reservation lasts. For endpoints that must name a port
/// nothing answers on (a dead backend, a router that is down), without the race of picking a free port and
/// letting it go.
/// </summary>
public sealed class ReservedPort : IDisposable
{
    private readonly Socket _socket;

    /// <summary>Reserves a port the OS picks.</summary>
    public ReservedPort()
        : this(0)
    {
    }

    /// <summary>Reserves <paramref name="port"/> (0: one the OS picks); a <see cref="SocketException"/> if it is taken.</summary>
    public ReservedPort(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // .NET on Unix binds with SO_REUSEADDR (so a port whose connections are still in TIME_WAIT can be
            // reserved). Cleared once bound: a later bind of the port, even one with SO_REUSEADDR, then conflicts.
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:PORT".</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
