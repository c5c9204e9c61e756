using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.EdgeFloor;

/// <summary>
/// A minimal HTTP/1.1 client for the floor's --lean mode: what YARP's forwarder costs over a leaner outbound leg than
/// SocketsHttpHandler's. It handles what the benchmark sends (requests without a body) and hands anything else
/// (a body, an upgrade, HTTPS, another version) to the inner SocketsHttpHandler. Per destination, a stack of idle
/// keep-alive connections; one request per connection at a time (no pipelining, as SocketsHttpHandler). Responses
/// framed by Content-Length or chunked encoding return their connection to the stack once the body is read; a
/// response that frames itself both ways, or is cut short, fails with an HttpRequestException and its connection is
/// closed. It is a measuring instrument, not the product's client: it does not validate header values, enforce limits
/// or time connections out.
/// </summary>
public sealed class LeanHttp11Handler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentDictionary<string, ConcurrentStack<Connection>> _idle = new(StringComparer.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        // Over http://, SocketsHttpHandler speaks HTTP/1.1 to a request for 1.1, or for 2.0 "or lower" (YARP's default):
        // it never tries cleartext HTTP/2 without RequestVersionExact.
        var http11 = request.Version == HttpVersion.Version11
            || (request.Version == HttpVersion.Version20 && request.VersionPolicy == HttpVersionPolicy.RequestVersionOrLower);
        if (request.Content is not null || uri.Scheme != "http" || !http11 || request.Headers.Contains("Upgrade"))
            return await base.SendAsync(request, cancellationToken);

        var idle = _idle.GetOrAdd(uri.Authority, static _ => new ConcurrentStack<Connection>());
        // A pooled connection the backend closed while it sat idle fails before any response byte: the request is
        // sent again once on a new connection, as SocketsHttpHandler does.
        while (idle.TryPop(out var pooled))
        {
            try
            {
                return await pooled.Send(request, idle, cancellationToken);
            }
            catch (StaleConnectionException)
            {
                pooled.Dispose();
            }
        }
        var connection = await Connection.Open(uri.Host, uri.Port, cancellationToken);
        try
        {
            return await connection.Send(request, idle, cancellationToken);
        }
        catch (StaleConnectionException e)
        {
            connection.Dispose();
            throw new HttpRequestException("the backend closed a new connection before it answered", e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var stack in _idle.Values)
                while (stack.TryPop(out var c))
                    c.Dispose();
        base.Dispose(disposing);
    }

    private sealed class StaleConnectionException : Exception;

    private sealed class Connection : IDisposable
    {
        private const int BufferSize = 16 * 1024;
        private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
        private readonly Socket _socket;
        private readonly byte[] _write = new byte[BufferSize];
        private readonly byte[] _read = new byte[BufferSize];
        private int _start, _end;

        private Connection(Socket socket) => _socket = socket;

        public static async Task<Connection> Open(string host, int port, CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(host, port, cancellationToken);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new HttpRequestException(HttpRequestError.ConnectionError, e.Message, e);
            }
            return new Connection(socket);
        }

        public void Dispose() => _socket.Dispose();

        public async Task<HttpResponseMessage> Send(HttpRequestMessage request, ConcurrentStack<Connection> idle, CancellationToken cancellationToken)
        {
            var length = WriteHead(request);
            try
            {
                await _socket.SendAsync(_write.AsMemory(0, length), SocketFlags.None, cancellationToken);
            }
            catch (SocketException)
            {
                throw new StaleConnectionException();
            }
            var headEnd = await ReadHead(cancellationToken);
            return ParseHead(request, headEnd, idle);
        }

        private int WriteHead(HttpRequestMessage request)
        {
            var uri = request.RequestUri!;
            var span = _write.AsSpan();
            var at = Ascii(span, request.Method.Method);
            span[at++] = (byte)' ';
            at += Ascii(span[at..], uri.PathAndQuery);
            at += Ascii(span[at..], " HTTP/1.1\r\nHost: ");
            at += Ascii(span[at..], request.Headers.Host ?? uri.Authority);
            at += Ascii(span[at..], "\r\n");
            foreach (var header in request.Headers.NonValidated)
            {
                if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase))
                    continue;
                foreach (var value in header.Value)
                {
                    at += Ascii(span[at..], header.Key);
                    span[at++] = (byte)':';
                    span[at++] = (byte)' ';
                    at += Ascii(span[at..], value);
                    span[at++] = (byte)'\r';
                    span[at++] = (byte)'\n';
                }
            }
            span[at++] = (byte)'\r';
            span[at++] = (byte)'\n';
            return at;
        }

        private static int Ascii(Span<byte> destination, string text)
        {
            if (text.Length > destination.Length - 4)
                throw new HttpRequestException("request head larger than " + BufferSize + " bytes");
            return Encoding.Latin1.GetBytes(text, destination);
        }

        // Reads until the head's blank line; returns the index just past it in _read.
        private async ValueTask<int> ReadHead(CancellationToken cancellationToken)
        {
            _start = _end = 0;
            while (true)
            {
                var found = _read.AsSpan(0, _end).IndexOf(HeadEnd);
                if (found >= 0)
                    return found + HeadEnd.Length;
                if (_end == _read.Length)
                    throw new HttpRequestException("response head larger than " + BufferSize + " bytes");
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(_read.AsMemory(_end), SocketFlags.None, cancellationToken);
                }
                catch (SocketException) when (_end == 0)
                {
                    throw new StaleConnectionException();
                }
                if (n == 0)
                {
                    if (_end == 0)
                        throw new StaleConnectionException();
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "the backend closed the connection inside the response head");
                }
                _end += n;
            }
        }

        private HttpResponseMessage ParseHead(HttpRequestMessage request, int headEnd, ConcurrentStack<Connection> idle)
        {
            var head = _read.AsSpan(0, headEnd - 2);
            var lineEnd = head.IndexOf("\r\n"u8);
            var statusLine = head[..lineEnd];
            // HTTP/1.1 200 OK
            if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "malformed status line");
            var response = new HttpResponseMessage((HttpStatusCode)status) { RequestMessage = request, Version = HttpVersion.Version11 };
            if (statusLine.Length > 13)
                response.ReasonPhrase = Encoding.Latin1.GetString(statusLine[13..]);
            long contentLength = -1;
            var chunked = false;
            var keepAlive = statusLine[7] == (byte)'1';
            var contentHeaders = new List<(string, string)>();
            var rest = head[(lineEnd + 2)..];
            while (rest.Length > 0)
            {
                var end = rest.IndexOf("\r\n"u8);
                var line = end < 0 ? rest : rest[..end];
                rest = end < 0 ? default : rest[(end + 2)..];
                var colon = line.IndexOf((byte)':');
                if (colon <= 0)
                    throw new HttpRequestException(HttpRequestError.InvalidResponse, "malformed response header");
                var name = Encoding.Latin1.GetString(line[..colon]);
                var value = Encoding.Latin1.GetString(line[(colon + 1)..].Trim((byte)' '));
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    if (contentLength >= 0 || !long.TryParse(value, System.Globalization.NumberStyles.None, null, out contentLength))
                        throw new HttpRequestException(HttpRequestError.InvalidResponse, "invalid or repeated Content-Length");
                    continue;
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    if (!value.Equals("chunked", StringComparison.OrdinalIgnoreCase))
                        throw new HttpRequestException(HttpRequestError.InvalidResponse, "unsupported Transfer-Encoding " + value);
                    chunked = true;
                    continue;
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    if (value.Contains("close", StringComparison.OrdinalIgnoreCase))
                        keepAlive = false;
                    continue;
                }
                if (!response.Headers.TryAddWithoutValidation(name, value))
                    contentHeaders.Add((name, value));
            }
            if (chunked && contentLength >= 0)
                throw new HttpRequestException(HttpRequestError.InvalidResponse, "response with both Content-Length and Transfer-Encoding");
            _start = headEnd;
            var noBody = request.Method == HttpMethod.Head || status is 204 or 304 || status < 200 || (contentLength == 0 && !chunked);
            Body body = noBody ? new Body(this, idle, 0, false, keepAlive)
                : chunked ? new Body(this, idle, -1, true, keepAlive)
                : new Body(this, idle, contentLength, false, keepAlive && contentLength >= 0);
            var content = new StreamContent(body);
            foreach (var (name, value) in contentHeaders)
                content.Headers.TryAddWithoutValidation(name, value);
            if (contentLength >= 0 && !noBody)
                content.Headers.ContentLength = contentLength;
            response.Content = content;
            if (noBody)
                body.Complete();
            return response;
        }

        // Bytes for the body: what the head's read left in the buffer first, then the socket.
        internal async ValueTask<int> Read(Memory<byte> destination, CancellationToken cancellationToken)
        {
            if (_start < _end)
            {
                var n = Math.Min(destination.Length, _end - _start);
                _read.AsMemory(_start, n).CopyTo(destination);
                _start += n;
                return n;
            }
            return await _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);
        }

        // One line of chunked framing (a size line or the CRLF after a chunk), without its CRLF.
        internal async ValueTask<ReadOnlyMemory<byte>> ReadLine(CancellationToken cancellationToken)
        {
            while (true)
            {
                var found = _read.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                if (found >= 0)
                {
                    var line = _read.AsMemory(_start, found);
                    _start += found + 2;
                    return line;
                }
                if (_start > 0)
                {
                    _read.AsSpan(_start, _end - _start).CopyTo(_read);
                    _end -= _start;
                    _start = 0;
                }
                if (_end == _read.Length)
                    throw new HttpRequestException("chunk framing line too long");
                var n = await _socket.ReceiveAsync(_read.AsMemory(_end), SocketFlags.None, cancellationToken);
                if (n == 0)
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "the backend closed the connection inside a chunked body");
                _end += n;
            }
        }
    }

    private sealed class Body(Connection connection, ConcurrentStack<Connection> idle, long length, bool chunked, bool reusable) : Stream
    {
        private long _remaining = chunked ? 0 : length; // in the current chunk when chunked; -1: until the connection closes
        private bool _done;
        private bool _released;

        public void Complete()
        {
            _done = true;
            Release(reusable);
        }

        private void Release(bool reuse)
        {
            if (_released)
                return;
            _released = true;
            if (reuse)
                idle.Push(connection);
            else
                connection.Dispose();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_done || buffer.Length == 0)
                return 0;
            try
            {
                if (chunked && _remaining == 0)
                {
                    var size = await connection.ReadLine(cancellationToken);
                    var semicolon = size.Span.IndexOf((byte)';');
                    if (!Utf8Parser.TryParse(semicolon < 0 ? size.Span : size.Span[..semicolon], out long chunk, out var consumed, 'x') || consumed == 0)
                        throw new HttpRequestException(HttpRequestError.InvalidResponse, "invalid chunk size");
                    if (chunk == 0)
                    {
                        // Trailers, if any, up to the blank line.
                        while ((await connection.ReadLine(cancellationToken)).Length > 0)
                        {
                        }
                        Complete();
                        return 0;
                    }
                    _remaining = chunk;
                }
                var want = _remaining < 0 ? buffer.Length : (int)Math.Min(buffer.Length, _remaining);
                var n = await connection.Read(buffer[..want], cancellationToken);
                if (n == 0)
                {
                    if (_remaining < 0)
                    {
                        Complete();
                        return 0;
                    }
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "the backend closed the connection inside the body");
                }
                if (_remaining > 0)
                {
                    _remaining -= n;
                    if (_remaining == 0)
                    {
                        if (chunked)
                        {
                            if ((await connection.ReadLine(cancellationToken)).Length != 0)
                                throw new HttpRequestException(HttpRequestError.InvalidResponse, "chunk longer than its size");
                        }
                        else
                            Complete();
                    }
                }
                return n;
            }
            catch
            {
                _done = true;
                Release(false);
                throw;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            // A body not read to its end leaves unread bytes on the connection: it cannot be reused.
            if (disposing && !_done)
            {
                _done = true;
                Release(false);
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
