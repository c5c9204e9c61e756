using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Tests.Http;

/// <summary>One request exactly as a <see cref="RawBackend"/> read it off the wire.</summary>
/// <param name="Head">Request line and headers as received, CRLFs included.</param>
/// <param name="Body">The body after de-chunking; for an incomplete request, what arrived of it.</param>
/// <param name="Complete">False when the connection ended before the body did: a request no application ever saw whole.</param>
public sealed record RawRequest(string Head, byte[] Body, bool Complete)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];
    public string Target => RequestLine.Split(' ')[1];
    public string BodyText => Encoding.Latin1.GetString(Body);
}

/// <summary>
/// A backend on a bare socket that records every byte the edge sends it, and the requests those bytes frame under a
/// strict HTTP/1.1 reading (CRLF only, one Content-Length or chunked): what a backend behind the edge could make of
/// them. Answers <c>200 raw TARGET BODY-LENGTH</c>; <c>/large/N</c> answers N bytes.
/// </summary>
public sealed class RawBackend : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _connections = new();
    private readonly List<RawRequest> _requests = new();
    private readonly MemoryStream _wire = new();
    private int _abortedResponses;

    public RawBackend()
    {
        _listener.Start();
        _ = Accept();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every request read so far, complete or not, in arrival order.</summary>
    public IReadOnlyList<RawRequest> Requests
    {
        get
        {
            lock (_requests)
                return _requests.ToArray();
        }
    }

    /// <summary>The requests whose target contains <paramref name="marker"/>.</summary>
    public IReadOnlyList<RawRequest> RequestsFor(string marker) => Requests.Where(r => r.Target.Contains(marker, StringComparison.Ordinal)).ToArray();

    /// <summary>Everything received on every connection, as Latin-1 text (request heads and bodies alike).</summary>
    public string Wire
    {
        get
        {
            lock (_wire)
                return Encoding.Latin1.GetString(_wire.GetBuffer(), 0, (int)_wire.Length);
        }
    }

    /// <summary>Responses whose connection the edge closed before the backend had written all of it.</summary>
    public int AbortedResponses => Volatile.Read(ref _abortedResponses);

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_connections)
                    _connections.Add(socket);
                _ = Serve(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task Serve(Socket socket)
    {
        var buffer = new List<byte>();
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var request = TryFrame(buffer, out var consumed);
                if (request is null)
                {
                    var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
                    if (read == 0)
                    {
                        RecordIncomplete(buffer);
                        return;
                    }
                    lock (_wire)
                        _wire.Write(chunk, 0, read);
                    buffer.AddRange(chunk.AsSpan(0, read));
                    continue;
                }
                buffer.RemoveRange(0, consumed);
                lock (_requests)
                    _requests.Add(request);
                await Respond(socket, request);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            RecordIncomplete(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException or ArgumentException)
        {
            // Bytes no strict reader could frame: recorded as they are, and the connection is dropped.
            RecordIncomplete(buffer);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void RecordIncomplete(List<byte> buffer)
    {
        if (buffer.Count == 0)
            return;
        var text = Encoding.Latin1.GetString(buffer.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end >= 0 ? text[..(end + 4)] : text.Contains("\r\n", StringComparison.Ordinal) ? text : text + "\r\n";
        lock (_requests)
            _requests.Add(new RawRequest(head, Encoding.Latin1.GetBytes(end >= 0 ? text[(end + 4)..] : ""), Complete: false));
    }

    private async Task Respond(Socket socket, RawRequest request)
    {
        var target = request.Target;
        if (target.StartsWith("/large/", StringComparison.Ordinal))
        {
            var length = long.Parse(target["/large/".Length..]);
            await Send(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nContent-Type: application/octet-stream\r\n\r\n");
            var block = new byte[64 * 1024];
            try
            {
                for (long sent = 0; sent < length; sent += block.Length)
                    await socket.SendAsync(block.AsMemory(0, (int)Math.Min(block.Length, length - sent)), SocketFlags.None, _stop.Token);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _abortedResponses);
                throw;
            }
            return;
        }
        var body = $"raw {target} {request.Body.Length}\n";
        await Send(socket, $"HTTP/1.1 200 OK\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\nContent-Type: text/plain\r\n\r\n{body}");
    }

    private Task Send(Socket socket, string text) => socket.SendAsync(Encoding.Latin1.GetBytes(text), SocketFlags.None, _stop.Token).AsTask();

    // One request from the start of the buffer, or null when more bytes are needed. Strict: CRLF line ends, at most one
    // Content-Length, Transfer-Encoding exactly "chunked", never both; anything else is InvalidDataException.
    private static RawRequest? TryFrame(List<byte> buffer, out int consumed)
    {
        consumed = 0;
        var bytes = buffer.ToArray();
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
            return null;
        var head = text[..(end + 4)];
        var lines = head[..end].Split("\r\n");
        if (lines.Any(l => l.Contains('\n') || l.Contains('\r')))
            throw new InvalidDataException("bare CR or LF in the head");
        var headers = lines.Skip(1).Select(l => (Name: l[..Math.Max(0, l.IndexOf(':'))], Value: l[(l.IndexOf(':') + 1)..].Trim())).ToArray();
        var lengths = headers.Where(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).ToArray();
        var encodings = headers.Where(h => h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)).ToArray();
        if (lengths.Length > 1 || encodings.Length > 1 || (lengths.Length == 1 && encodings.Length == 1))
            throw new InvalidDataException("ambiguous framing");
        var bodyStart = end + 4;
        if (encodings.Length == 1)
        {
            if (encodings[0].Value != "chunked")
                throw new InvalidDataException("unknown transfer coding");
            var body = new List<byte>();
            var at = bodyStart;
            while (true)
            {
                var lineEnd = text.IndexOf("\r\n", at, StringComparison.Ordinal);
                if (lineEnd < 0)
                    return null;
                var sizeText = text[at..lineEnd].Split(';')[0];
                var size = Convert.ToInt32(sizeText, 16);
                if (size == 0)
                {
                    var trailerEnd = text.IndexOf("\r\n", lineEnd + 2, StringComparison.Ordinal);
                    if (trailerEnd < 0)
                        return null;
                    consumed = trailerEnd + 2;
                    return new RawRequest(head, body.ToArray(), Complete: true);
                }
                if (bytes.Length < lineEnd + 2 + size + 2)
                    return null;
                body.AddRange(bytes.AsSpan(lineEnd + 2, size));
                at = lineEnd + 2 + size + 2;
            }
        }
        var length = lengths.Length == 1 ? int.Parse(lengths[0].Value) : 0;
        if (bytes.Length < bodyStart + length)
            return null;
        consumed = bodyStart + length;
        return new RawRequest(head, bytes[bodyStart..consumed], Complete: true);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_connections)
            _connections.ForEach(s => s.Dispose());
    }
}
