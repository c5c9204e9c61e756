using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using AkkaRouter.Configuration;

namespace AkkaRouter.Hosting;

/// <summary>The endpoints this node's listeners actually bound (port 0 resolves to a free port).</summary>
public sealed class ListenerRegistry
{
    /// <summary>Pending connections a listener queues before accepting them.</summary>
    internal const int Backlog = 512;

    private readonly ConcurrentDictionary<string, IPEndPoint> _bound = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _down = new(StringComparer.Ordinal);

    public void Register(string name, IPEndPoint endpoint)
    {
        _bound[name] = endpoint;
        _down.TryRemove(name, out _);
    }

    /// <summary>The bound endpoint of a listener ("resp", "http", "cmd", "management"), if it is up.</summary>
    public IPEndPoint? Find(string name) => _bound.GetValueOrDefault(name);

    /// <summary>A listener lost its socket at run time and is rebinding it; /health/ready says so until it is back.</summary>
    public void MarkDown(string name, string reason) => _down[name] = reason;

    /// <summary>Listeners that are down, each with why; empty while every listener accepts.</summary>
    public IReadOnlyDictionary<string, string> Down => _down;

    /// <summary>Binds a TCP listener, with an error that names the listener and the address when it cannot.</summary>
    public static Socket Bind(ListenerSettings settings, string what)
    {
        var address = Resolve(settings.Host, what);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT as well, which would let a second
            // node bind the same port and silently share its traffic. .NET already sets SO_REUSEADDR
            // on Unix, so a restarted node still binds over connections in TIME_WAIT.
            socket.Bind(new IPEndPoint(address, settings.Port));
            socket.Listen(Backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"{what} listener cannot bind {settings.Host}:{settings.Port}: {e.Message}", e);
        }
    }

    /// <summary>The address a listener's host setting names (an IP, "localhost" or a DNS name).</summary>
    public static IPAddress Resolve(string host, string what) =>
        host is "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var ip) ? ip
        : Dns.GetHostAddresses(host).FirstOrDefault()
          ?? throw new InvalidOperationException($"{what} listener: cannot resolve host '{host}'");
}
