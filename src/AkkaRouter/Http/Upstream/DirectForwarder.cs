using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace AkkaRouter.Http.Upstream;

/// <summary>
/// The edge's HTTP/1.1 forwarder for requests without a body: Kestrel's parsed request is written straight to a pooled
/// keep-alive connection as one request head, the backend's response head is parsed from the receive buffer into
/// Kestrel's response, and its body is received straight into Kestrel's output pipe (or de-chunked from the receive
/// buffer). No HttpRequestMessage, HttpResponseMessage or stream copy: measured against YARP over SocketsHttpHandler
/// with nothing else on the path (tests/AkkaRouter.EdgeFloor --direct), it is what closes the gap to nginx (README,
/// "HTTP edge speed"). Requests it does not take (<see cref="CanForward"/>: bodies, upgrades, HTTPS to backends,
/// tracing) keep going through YARP.
/// </summary>
/// <remarks>
/// It forwards what YARP's forwarder with the edge's transformer forwards: method, path and query (Kestrel's normalised
/// path re-escaped, as YARP does), every header but the hop-by-hop ones YARP drops, the original Host, X-Forwarded-For
/// (appended), -Proto and -Host; and back every response header but the hop-by-hop ones, the status and a non-standard
/// reason phrase. Failures come back as YARP's <see cref="ForwarderError"/> values with an
/// <see cref="IForwarderErrorFeature"/>, so the edge's retry, circuit and status rules apply unchanged. A pooled
/// connection the backend closed while idle (the send fails, or it ends before any response byte) is retried once on a
/// new connection, as SocketsHttpHandler does. request-timeout is an activity timeout as YARP's: the backend must send
/// the response head, and then each piece of the body, within it; one timer sweeps every connection for it (no timer
/// or cancellation source per request), and cuts the exchange of a client that went away (HttpContext.RequestAborted),
/// which then counts as the client's (499), within one sweep period.
/// </remarks>
public sealed class DirectForwarder : IDisposable
{
    private readonly ConcurrentDictionary<string, UpstreamPool> _pools = new(StringComparer.Ordinal);
    private readonly TimeSpan _connectTimeout;
    private readonly long _timeoutMs;
    private readonly long _idleMs;
    private readonly Timer _sweep;
    private readonly List<UpstreamConnection> _scratch = new();

    public DirectForwarder(TimeSpan connectTimeout, TimeSpan requestTimeout, TimeSpan idleTimeout)
    {
        _connectTimeout = connectTimeout;
        _timeoutMs = (long)requestTimeout.TotalMilliseconds;
        _idleMs = (long)idleTimeout.TotalMilliseconds;
        // A tenth of the shorter timeout, between 10 ms and 1 s: a 1 s request-timeout ends within 1.1 s.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(_timeoutMs, _idleMs) / 10, 10, 1000));
        _sweep = new Timer(static s => ((DirectForwarder)s!).Sweep(), this, period, period);
    }

    /// <summary>
    /// Whether this forwarder takes the request: no body (Kestrel saw none coming), not an upgrade (WebSocket, HTTP/2
    /// extended CONNECT) and not CONNECT. Everything else goes through YARP.
    /// </summary>
    public static bool CanForward(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false })
            return false;
        if (features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
            return false;
        if (features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true })
            return false;
        return !HttpMethods.IsConnect(context.Request.Method);
    }

    /// <summary>Forwards the request to <paramref name="endpoint"/> (host:port, plain HTTP/1.1) and copies the response back.</summary>
    public Task<ForwarderError> SendAsync(HttpContext context, string endpoint)
    {
        var pool = _pools.GetOrAdd(endpoint, static e => new UpstreamPool(e));
        return Exchange(context, pool, pool.TryRent(out var pooled) ? pooled : null);
    }

    // An exception nothing below expected (Kestrel refusing something, a bug): the connection's state is unknown, so it is
    // closed and forgotten before the exception goes on to the edge. Never catches.
    private static bool Discard(UpstreamConnection? connection)
    {
        connection?.Close();
        return false;
    }

    // One exchange on `connection` (a pooled one), or on a new one when it is null. A pooled connection the backend closed
    // while it sat idle fails before any response byte: the request goes again on the next pooled or a new connection.
    // Not pooled (PoolingAsyncValueTaskMethodBuilder): its pool keeps one state machine per thread and one per core, and a
    // proxy under load has dozens of exchanges in flight at once, so a trace of the edge at 50 connections still showed
    // one allocated per exchange.
    private async Task<ForwarderError> Exchange(HttpContext context, UpstreamPool pool, UpstreamConnection? connection)
    {
        try
        {
        retry:
            var reused = connection is not null;
            if (connection is null)
            {
                try
                {
                    connection = await pool.Connect(_connectTimeout);
                }
                catch (SocketException e)
                {
                    return Fail(context, ForwarderError.Request, e);
                }
            }
            connection.Start = connection.End = 0;
            var length = WriteHead(context, connection);
            // The sweep cuts the exchange of a client that went away (no registration per request: a client that leaves
            // frees its backend connection within a sweep period, at most a second).
            connection.Client = context.RequestAborted;
            connection.Arm(_timeoutMs);
            try
            {
                await connection.Socket.SendAsync(connection.HeadBuffer.AsMemory(0, length), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                connection.Close();
                if (reused && connection.AbortReason == UpstreamConnection.NotAborted)
                {
                    connection = pool.TryRent(out var next) ? next : null;
                    goto retry;
                }
                return BeforeResponse(context, connection, e);
            }

            var response = context.Response;
            var head = false;
            int headLength;
            var framing = default(ResponseFraming);
            while (true)
            {
                headLength = Http1ResponseHeadReader.HeadLength(connection.Received.AsSpan(connection.Start, connection.End - connection.Start));
                if (headLength >= 0)
                {
                    var error = ReadHead(context, connection, headLength, out var status, out framing);
                    if (error is not null)
                    {
                        connection.Close();
                        return Fail(context, ForwarderError.Request, new HttpRequestException(HttpRequestError.InvalidResponse, "invalid HTTP response: " + error));
                    }
                    if (status >= 200)
                        break;
                    // An interim response (100 Continue, 103 Early Hints): not passed on; the final one follows.
                    connection.Start += headLength;
                    head = true;
                    continue;
                }
                if (!connection.MakeRoom(UpstreamConnection.MaxHeadBytes))
                {
                    connection.Close();
                    return Fail(context, ForwarderError.Request, new HttpRequestException(HttpRequestError.InvalidResponse,
                        $"invalid HTTP response: response head over {UpstreamConnection.MaxHeadBytes / 1024} KiB"));
                }
                int received;
                try
                {
                    received = await connection.Socket.ReceiveAsync(connection.Received.AsMemory(connection.End), SocketFlags.None);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    connection.Close();
                    if (reused && !head && connection.End == 0 && connection.AbortReason == UpstreamConnection.NotAborted)
                    {
                        connection = pool.TryRent(out var next) ? next : null;
                        goto retry;
                    }
                    return BeforeResponse(context, connection, e);
                }
                if (received == 0)
                {
                    connection.Close();
                    if (reused && !head && connection.End == 0)
                    {
                        connection = pool.TryRent(out var next) ? next : null;
                        goto retry;
                    }
                    return Fail(context, ForwarderError.Request, new HttpRequestException(HttpRequestError.ResponseEnded, "connection closed before a response"));
                }
                connection.End += received;
            }
            connection.Start += headLength;

            var reusable = framing.Reusable;
            ForwarderError outcome;
            switch (framing.Kind)
            {
                case BodyFraming.None:
                    outcome = ForwarderError.None;
                    break;
                case BodyFraming.ContentLength:
                    outcome = await CopyRaw(context, connection, framing.Length);
                    break;
                case BodyFraming.Chunked:
                    outcome = await CopyChunked(context, connection);
                    break;
                default:
                    reusable = false;
                    outcome = await CopyRaw(context, connection, -1);
                    break;
            }
            if (outcome == ForwarderError.None && reusable && connection.Start == connection.End && connection.AbortReason == UpstreamConnection.NotAborted)
                pool.Return(connection);
            else
                connection.Close();
            return outcome;
        }
        catch (Exception) when (Discard(connection))
        {
            throw;
        }
    }

    // The failure of an exchange before any response byte: the sweep's timeout, the client leaving, or the connection.
    private static ForwarderError BeforeResponse(HttpContext context, UpstreamConnection connection, Exception e) => connection.AbortReason switch
    {
        UpstreamConnection.TimedOut => Fail(context, ForwarderError.RequestTimedOut, new TimeoutException("the backend did not answer in time", e)),
        UpstreamConnection.ClientGone => Fail(context, ForwarderError.RequestCanceled, new OperationCanceledException("the client went away", e)),
        _ => Fail(context, ForwarderError.Request, e is ObjectDisposedException ? new HttpRequestException(HttpRequestError.ResponseEnded, "connection closed before a response", e) : e),
    };

    // A failure after the response head was applied: the client's response is cut (it cannot be completed or replaced).
    private static ForwarderError MidBody(HttpContext context, UpstreamConnection connection, Exception e)
    {
        var error = connection.AbortReason == UpstreamConnection.ClientGone ? ForwarderError.ResponseBodyCanceled : ForwarderError.ResponseBodyDestination;
        context.Abort();
        return Fail(context, error, e);
    }

    private static ForwarderError Fail(HttpContext context, ForwarderError error, Exception e)
    {
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, e));
        return error;
    }

    private sealed class ErrorFeature(ForwarderError error, Exception exception) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;
        public Exception? Exception { get; } = exception;
    }

    // The body as it comes: <paramref name="length"/> bytes, or (-1) everything until the backend closes.
    private async ValueTask<ForwarderError> CopyRaw(HttpContext context, UpstreamConnection connection, long length)
    {
        var writer = context.Response.BodyWriter;
        var buffered = (int)Math.Min(connection.End - connection.Start, length < 0 ? long.MaxValue : length);
        if (buffered > 0)
        {
            writer.Write(connection.Received.AsSpan(connection.Start, buffered));
            connection.Start += buffered;
        }
        var remaining = length < 0 ? long.MaxValue : length - buffered;
        while (remaining > 0)
        {
            if (await Flush(writer, connection) is { } gone)
                return MidBody(context, connection, gone);
            var memory = writer.GetMemory((int)Math.Min(remaining, 16 * 1024));
            if (memory.Length > remaining)
                memory = memory[..(int)remaining];
            int received;
            connection.Arm(_timeoutMs);
            try
            {
                received = await connection.Socket.ReceiveAsync(memory, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return MidBody(context, connection, e);
            }
            if (received == 0)
                return length < 0 ? ForwarderError.None : MidBody(context, connection, new HttpRequestException(HttpRequestError.ResponseEnded, "connection closed mid-response"));
            writer.Advance(received);
            remaining -= received;
            // Bytes advanced after the response started are not flushed by Kestrel when the request ends.
            if (remaining == 0 && await Flush(writer, connection) is { } late)
                return MidBody(context, connection, late);
        }
        return ForwarderError.None;
    }

    private async ValueTask<ForwarderError> CopyChunked(HttpContext context, UpstreamConnection connection)
    {
        var response = context.Response;
        var writer = response.BodyWriter;
        var decoder = new ChunkedDecoder();
        var trailers = response.SupportsTrailers();
        var flushed = false;
        while (true)
        {
            var step = Decode(ref decoder, connection, writer, response, trailers);
            if (step == ChunkStep.Done)
            {
                // Bytes advanced after the response started are not flushed by Kestrel when the request ends.
                if (flushed && await Flush(writer, connection) is { } late)
                    return MidBody(context, connection, late);
                return ForwarderError.None;
            }
            if (step == ChunkStep.Invalid)
                return MidBody(context, connection, new HttpRequestException(HttpRequestError.InvalidResponse, "invalid chunked response body: " + decoder.Error));
            flushed = true;
            if (await Flush(writer, connection) is { } gone)
                return MidBody(context, connection, gone);
            if (!connection.MakeRoom(UpstreamConnection.MaxHeadBytes))
                return MidBody(context, connection, new HttpRequestException(HttpRequestError.InvalidResponse, "invalid chunked response body: line too long"));
            int received;
            connection.Arm(_timeoutMs);
            try
            {
                received = await connection.Socket.ReceiveAsync(connection.Received.AsMemory(connection.End), SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return MidBody(context, connection, e);
            }
            if (received == 0)
                return MidBody(context, connection, new HttpRequestException(HttpRequestError.ResponseEnded, "connection closed mid-response"));
            connection.End += received;
        }
    }

    // Decodes what the buffer holds: data to the client, trailers to the client's trailers when it takes them.
    private static ChunkStep Decode(ref ChunkedDecoder decoder, UpstreamConnection connection, System.IO.Pipelines.PipeWriter writer, HttpResponse response, bool trailers)
    {
        while (true)
        {
            var input = connection.Received.AsSpan(connection.Start, connection.End - connection.Start);
            var step = decoder.Next(input, out var consumed, out var range);
            if (step == ChunkStep.Data)
                writer.Write(input[range]);
            else if (step == ChunkStep.Trailer && trailers)
            {
                var line = input[range];
                var colon = line.IndexOf((byte)':');
                if (colon > 0 && line[..colon].IndexOfAnyExcept(Http1ResponseHeadReader.TokenChars) < 0)
                {
                    try
                    {
                        response.AppendTrailer(Encoding.ASCII.GetString(line[..colon]), Encoding.Latin1.GetString(line[(colon + 1)..].Trim(" \t"u8)));
                    }
                    catch (InvalidOperationException)
                    {
                        // A trailer Kestrel cannot send (a value outside ASCII): dropped, as a client without trailer support drops all.
                    }
                }
            }
            connection.Start += consumed;
            if (step is ChunkStep.Done or ChunkStep.Invalid or ChunkStep.NeedMore)
                return step;
        }
    }

    // Sends what was written so far to the client before waiting on the backend; null while the client is there.
    private static async ValueTask<Exception?> Flush(System.IO.Pipelines.PipeWriter writer, UpstreamConnection connection)
    {
        connection.Disarm();
        var result = await writer.FlushAsync();
        return result.IsCanceled || result.IsCompleted ? new IOException("the client stopped reading the response") : null;
    }

    // Status, reason phrase and headers into Kestrel's response; the framing out. Null, or what is invalid.
    private static string? ReadHead(HttpContext context, UpstreamConnection connection, int headLength, out int status, out ResponseFraming framing)
    {
        framing = default;
        var reader = new Http1ResponseHeadReader(connection.Received.AsSpan(connection.Start, headLength));
        var error = reader.ReadStatusLine(out var minor, out status, out var reason);
        if (error is not null)
            return error;
        if (status < 200)
            return status == 101 ? "101 Switching Protocols to a request that asked for no upgrade" : SkipInterim(ref reader);
        var response = context.Response;
        var rules = new ResponseFramingRules();
        var headers = response.Headers;
        try
        {
            response.StatusCode = status;
            if (reason.Length > 0 && !Latin1.Same(ReasonPhrases.GetReasonPhrase(status), reason))
                context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = Encoding.Latin1.GetString(reason);
            var index = 0;
            var changed = false;
            while (reader.ReadField(out var name, out var value, out error))
            {
                if (rules.Observe(name, value))
                    continue;
                // Once a name differs from the previous response's, the later ones are resolved anew: whether they
                // repeat an earlier name of this response is not what it was in the previous one.
                if (changed || !connection.TryName(index, name, out var resolved))
                {
                    var key = SkippedResponseHeader(name) ? null : HeaderName(name);
                    resolved = connection.RememberName(index, name, key, key is not null && IsKnown(key));
                    changed = true;
                }
                index++;
                if (resolved.Name is null)
                    continue;
                var text = connection.Value(resolved.Name, value, resolved.Known);
                // A name's first value is set (one lookup; Append reads, then writes); a name seen earlier in this response appends.
                if (resolved.Repeat)
                    headers.Append(resolved.Name, text);
                else
                    headers[resolved.Name] = text;
            }
        }
        catch (InvalidOperationException e)
        {
            // Kestrel refuses a value it cannot send (non-ASCII, for one).
            return e.Message;
        }
        if (error is not null || rules.Error is not null)
            return error ?? rules.Error;
        framing = rules.Decide(HttpMethods.IsHead(context.Request.Method), status, minor);
        // A HEAD or 304 response's length describes the representation and is passed on; a 204 has none (RFC 9110 8.6).
        if (framing.Kind == BodyFraming.ContentLength || (framing.Kind == BodyFraming.None && framing.Length >= 0 && status != 204))
            response.ContentLength = framing.Length;
        return null;
    }

    private static string? SkipInterim(ref Http1ResponseHeadReader reader)
    {
        string? error;
        while (reader.ReadField(out _, out _, out error))
        {
        }
        return error;
    }

    // Response headers YARP's forwarder does not pass on (the framing ones are ResponseFramingRules').
    private static bool SkippedResponseHeader(ReadOnlySpan<byte> name)
    {
        Span<char> chars = stackalloc char[32];
        return name.Length <= chars.Length && Skipped.Contains(chars[..Encoding.ASCII.GetChars(name, chars)]);
    }

    private static readonly FrozenSet<string> SkippedNames = new[]
    {
        "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authentication-Info",
        "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme", "ALPN", "Close", "TE", "Alt-Svc",
        "HTTP2-Settings", "Upgrade-Insecure-Requests",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Skipped = SkippedNames.GetAlternateLookup<ReadOnlySpan<char>>();

    // Header names as the strings ASP.NET Core already holds for the common ones (no allocation for them).
    private static readonly FrozenDictionary<string, string> KnownNames = typeof(HeaderNames).GetFields()
        .Where(f => f.FieldType == typeof(string) && f.IsStatic)
        .Select(f => (string)f.GetValue(null)!)
        .Where(n => !n.StartsWith(':'))
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(n => n, n => n, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Known = KnownNames.GetAlternateLookup<ReadOnlySpan<char>>();

    private static string HeaderName(ReadOnlySpan<byte> name)
    {
        if (name.Length <= 64)
        {
            Span<char> chars = stackalloc char[64];
            var text = chars[..Encoding.ASCII.GetChars(name, chars)];
            return Known.TryGetValue(text, out var known) && text.SequenceEqual(known) ? known : new string(text);
        }
        return Encoding.ASCII.GetString(name);
    }

    private static bool IsKnown(string name) => KnownNames.TryGetValue(name, out var known) && ReferenceEquals(known, name);

    // ---- the request head ------------------------------------------------------------------------------------------

    private static int WriteHead(HttpContext context, UpstreamConnection connection)
    {
        while (true)
        {
            var writer = new HeadWriter(connection.HeadBuffer);
            Write(ref writer, context);
            if (!writer.Overflow)
                return writer.Length;
            // Kestrel bounds the request line and headers (http.limits), so this ends.
            connection.HeadBuffer = new byte[connection.HeadBuffer.Length * 2];
        }
    }

    private static void Write(ref HeadWriter writer, HttpContext context)
    {
        var request = context.Request;
        writer.Ascii(request.Method);
        writer.Byte((byte)' ');
        WriteTarget(ref writer, request);
        writer.Bytes(" HTTP/1.1\r\n"u8);

        var replaceHost = request.Host.HasValue;
        var host = false;
        var length = false;
        StringValues earlierFor = default;
        foreach (var (name, values) in request.Headers)
        {
            if (name.Length == 0 || name[0] == ':' || SkippedNames.Contains(name))
                continue;
            if (name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase))
                host = true;
            else if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                length = true;
                continue;
            }
            else if (name.Equals(ForwardedFor, StringComparison.OrdinalIgnoreCase))
            {
                earlierFor = values;
                continue;
            }
            else if (name.Equals(ForwardedProto, StringComparison.OrdinalIgnoreCase) || (replaceHost && name.Equals(ForwardedHost, StringComparison.OrdinalIgnoreCase)))
                continue;
            WriteField(ref writer, name, values);
        }
        if (!host && request.Host.HasValue)
            WriteField(ref writer, HeaderNames.Host, request.Host.Value);
        // No body here; a method that expects one is told it is empty, as SocketsHttpHandler does.
        if (length || HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
            writer.Bytes("Content-Length: 0\r\n"u8);
        var client = ForwardedHeadersTransformer.ClientText(context.Connection.RemoteIpAddress);
        if (client is not null)
        {
            writer.Bytes("X-Forwarded-For: "u8);
            foreach (var earlier in earlierFor)
            {
                if (earlier is not null && !HasLineBreak(earlier))
                {
                    writer.Utf8(earlier);
                    writer.Bytes(", "u8);
                }
            }
            writer.Ascii(client);
            writer.Bytes("\r\n"u8);
        }
        else if (earlierFor.Count > 0)
            WriteField(ref writer, ForwardedFor, earlierFor);
        writer.Bytes("X-Forwarded-Proto: "u8);
        writer.Ascii(request.Scheme);
        writer.Bytes("\r\n"u8);
        if (replaceHost)
            WriteField(ref writer, ForwardedHost, request.Host.Value!);
        writer.Bytes("\r\n"u8);
    }

    private const string ForwardedFor = "X-Forwarded-For";
    private const string ForwardedProto = "X-Forwarded-Proto";
    private const string ForwardedHost = "X-Forwarded-Host";

    // One line per field, several values joined as HttpClient joins them ("; " for Cookie, else ", "); a value with a
    // line break drops the field, as YARP does (Kestrel never parses one in, an HTTP/2 client cannot send one through).
    private static void WriteField(ref HeadWriter writer, string name, StringValues values)
    {
        if (values.Count == 0)
            return;
        foreach (var value in values)
        {
            if (value is null || HasLineBreak(value))
                return;
        }
        writer.Ascii(name);
        writer.Bytes(": "u8);
        var separator = name.Equals(HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase) ? "; "u8 : ", "u8;
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
                writer.Bytes(separator);
            writer.Utf8(values[i]!);
        }
        writer.Bytes("\r\n"u8);
    }

    // The request-target: Kestrel's normalised path escaped again (HeadWriter.Path), then the query as received.
    private static void WriteTarget(ref HeadWriter writer, HttpRequest request)
    {
        var path = request.PathBase.Add(request.Path);
        writer.Path(path.HasValue ? path.Value! : "/");
        if (request.QueryString.HasValue)
            writer.Utf8(request.QueryString.Value!);
    }

    /// <summary>
    /// The request-target this forwarder sends for <paramref name="request"/>, as a string: the edge's YARP path (requests
    /// with a body) sends the same one, so an encoded slash reaches a backend as %2F from either forwarder.
    /// </summary>
    internal static string RequestTarget(HttpRequest request)
    {
        var buffer = new byte[512];
        while (true)
        {
            var writer = new HeadWriter(buffer);
            WriteTarget(ref writer, request);
            if (!writer.Overflow)
                return Encoding.UTF8.GetString(buffer, 0, writer.Length);
            // Kestrel bounds the request line (http.limits), so this ends.
            buffer = new byte[buffer.Length * 2];
        }
    }

    private static bool HasLineBreak(string value) => value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    // RFC 3986 pchar and '/': unreserved, sub-delims, ':' and '@'.
    private static readonly SearchValues<char> PathChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/");

    private ref struct HeadWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        public int Length;
        public bool Overflow;

        public void Byte(byte b)
        {
            if (Length < _buffer.Length)
                _buffer[Length++] = b;
            else
                Overflow = true;
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            if (bytes.TryCopyTo(_buffer[Length..]))
                Length += bytes.Length;
            else
                Overflow = true;
        }

        public void Ascii(string text) => Utf8(text);

        /// <summary>
        /// Kestrel's decoded, normalised path, escaped again for the request line: what RFC 3986 allows in a path as
        /// is, every other character as %XX of its UTF-8 bytes, and a '%' as %25, except in %2F, the one escape Kestrel
        /// leaves undecoded (so "/a%252e%252e" reaches the backend as sent, never as "/a%2e%2e", which it would decode
        /// once more into "..").
        /// </summary>
        public void Path(string path)
        {
            var span = path.AsSpan();
            Span<byte> utf8 = stackalloc byte[8];
            while (span.Length > 0)
            {
                var plain = span.IndexOfAnyExcept(PathChars);
                if (plain < 0)
                    plain = span.Length;
                Utf8(span[..plain]);
                span = span[plain..];
                if (span.Length == 0)
                    return;
                if (span[0] == '%')
                {
                    if (span.Length >= 3 && span[1] == '2' && span[2] is 'F' or 'f')
                    {
                        Utf8(span[..3]);
                        span = span[3..];
                        continue;
                    }
                    Bytes("%25"u8);
                    span = span[1..];
                    continue;
                }
                var length = char.IsHighSurrogate(span[0]) && span.Length > 1 ? 2 : 1;
                var written = Encoding.UTF8.GetBytes(span[..length], utf8);
                foreach (var b in utf8[..written])
                {
                    Byte((byte)'%');
                    Byte((byte)"0123456789ABCDEF"[b >> 4]);
                    Byte((byte)"0123456789ABCDEF"[b & 15]);
                }
                span = span[length..];
            }
        }

        private void Utf8(ReadOnlySpan<char> text)
        {
            if (Encoding.UTF8.TryGetBytes(text, _buffer[Length..], out var written))
                Length += written;
            else
                Overflow = true;
        }

        public void Utf8(string text)
        {
            if (Encoding.UTF8.TryGetBytes(text, _buffer[Length..], out var written))
                Length += written;
            else
                Overflow = true;
        }
    }

    // ---- the sweep --------------------------------------------------------------------------------------------------

    private void Sweep()
    {
        if (!Monitor.TryEnter(_scratch))
            return;
        try
        {
            var now = Environment.TickCount64;
            foreach (var pool in _pools.Values)
                pool.Sweep(now, now - _idleMs, _scratch);
        }
        finally
        {
            _scratch.Clear();
            Monitor.Exit(_scratch);
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var pool in _pools.Values)
            pool.Close();
    }
}
