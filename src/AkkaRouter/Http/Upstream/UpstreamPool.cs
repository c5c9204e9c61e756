using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Http.Upstream;

/// <summary>
/// The keep-alive connections to one backend: a stack of idle ones (the most recently used is reused first, so a quiet
/// period lets the rest expire) and the list of every live one, which <see cref="DirectForwarder"/>'s sweep walks to
/// end requests past their timeout and connections idle too long.
/// </summary>
/// <remarks>
/// The idle stack is an array under a lock rather than a
/// <see cref="System.Collections.Concurrent.ConcurrentStack{T}"/>, which allocates a node on every push, that is on every
/// request. The lock is uncontended in practice: requests run on the socket thread. A connection the sweep closed while
/// idle stays on the stack until a rent pops and skips it; a new connection is made only when a rent emptied the stack,
/// so the stack never holds more entries than the most connections that were open at once.
/// </remarks>
internal sealed class UpstreamPool(string endpoint)
{
    private readonly Lock _idleLock = new();
    private UpstreamConnection?[] _idle = new UpstreamConnection?[8];
    private int _idleCount;
    private readonly List<UpstreamConnection> _live = new();
    private readonly EndPoint _address = Parse(endpoint);

    public string Endpoint { get; } = endpoint;

    /// <summary>Takes an idle connection, skipping any the sweep closed meanwhile.</summary>
    public bool TryRent(out UpstreamConnection connection)
    {
        while (true)
        {
            lock (_idleLock)
            {
                if (_idleCount == 0)
                {
                    connection = null!;
                    return false;
                }
                connection = _idle[--_idleCount]!;
                _idle[_idleCount] = null;
            }
            if (connection.TryTakeFromPool())
                return true;
        }
    }

    /// <summary>Back on the stack, for the next request.</summary>
    public void Return(UpstreamConnection connection)
    {
        connection.MarkIdle();
        lock (_idleLock)
        {
            if (_idleCount == _idle.Length)
                Array.Resize(ref _idle, _idle.Length * 2);
            _idle[_idleCount++] = connection;
        }
    }

    /// <summary>A new connection, or a SocketException (TimedOut when <paramref name="timeout"/> passed first).</summary>
    public async ValueTask<UpstreamConnection> Connect(TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(_address, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new UpstreamConnection(socket, this);
        lock (_live)
            _live.Add(connection);
        return connection;
    }

    public void Forget(UpstreamConnection connection)
    {
        lock (_live)
            _live.Remove(connection);
    }

    /// <summary>Ends requests past their deadline and closes connections idle since before <paramref name="idleSince"/>.</summary>
    public void Sweep(long now, long idleSince, List<UpstreamConnection> scratch)
    {
        scratch.Clear();
        lock (_live)
            scratch.AddRange(_live);
        foreach (var connection in scratch)
            connection.Sweep(now, idleSince);
    }

    /// <summary>Closes every connection (the edge is stopping).</summary>
    public void Close()
    {
        UpstreamConnection[] all;
        lock (_live)
            all = _live.ToArray();
        foreach (var connection in all)
            connection.Abort(UpstreamConnection.Closed);
    }

    // host:port with an IP address (IPv6 in brackets) or a DNS name, resolved on each connect as SocketsHttpHandler does.
    private static EndPoint Parse(string endpoint)
    {
        if (IPEndPoint.TryParse(endpoint, out var ip))
            return ip;
        var colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), out var port)
            ? new DnsEndPoint(endpoint[..colon], port)
            : throw new ArgumentException($"backend endpoint '{endpoint}' is not host:port", nameof(endpoint));
    }
}
