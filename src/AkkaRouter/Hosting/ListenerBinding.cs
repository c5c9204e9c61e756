using System.Net;
using System.Net.Sockets;
using AkkaRouter.Configuration;

namespace AkkaRouter.Hosting;

/// <summary>
/// Where a socket listener lives: the socket bound at start-up (so a busy port fails the node's start), and the
/// endpoint it resolved to, which every later bind reuses — port 0 stays the port the node logged and registered.
/// </summary>
public sealed class ListenerBinding
{
    private Socket? _initial;

    private ListenerBinding(string name, string description, Socket socket)
    {
        Name = name;
        Description = description;
        _initial = socket;
        Endpoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>The listener's name in the <see cref="ListenerRegistry"/> ("resp", "cmd").</summary>
    public string Name { get; }

    /// <summary>How log lines name the listener ("RESP", "command palette").</summary>
    public string Description { get; }

    /// <summary>The bound address and port.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Binds the configured address, with an error that names the listener and the address when it cannot.</summary>
    public static ListenerBinding Bind(ListenerSettings settings, string name, string description) =>
        new(name, description, ListenerRegistry.Bind(settings, description));

    /// <summary>The socket bound at start-up, handed out once: an actor restarted after a failure binds afresh.</summary>
    public Socket? TakeInitial() => Interlocked.Exchange(ref _initial, null);

    /// <summary>A fresh listening socket on <see cref="Endpoint"/>; throws <see cref="SocketException"/> when the port is taken.</summary>
    public Socket Rebind()
    {
        var socket = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(Endpoint);
            socket.Listen(ListenerRegistry.Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
