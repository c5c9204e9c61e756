using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Http.Upstream;

/// <summary>
/// The keep-alive connections to one backend: a stack of idle ones (the most recently used is reused first, so a quiet
/// period lets the rest expire) and the list of every live one, which <see cref="DirectForwarder"/>'s sweep walks to
/// end requests past their timeout and connections idle too long.
/// </summary>
internal sealed class UpstreamPool(string endpoint)
{
    private readonly ConcurrentStack<UpstreamConnection> _idle = new();
    private readonly List<UpstreamConnection> _live = new();
    private readonly EndPoint _address = Parse(endpoint);

    public string Endpoint { get; } = endpoint;

    /// <summary>Takes an idle connection, skipping any the sweep closed meanwhile.</summary>
    public bool TryRent(out UpstreamConnection connection)
    {
        while (_idle.TryPop(out connection!))
        {
            if (connection.TryTakeFromPool())
                return true;
        }
        return false;
    }

    /// <summary>Back on the stack, for the next request.</summary>
    public void Return(UpstreamConnection connection)
    {
        connection.MarkIdle();
        _idle.Push(connection);
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
