using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Http.Upstream;

/// <summary>One request as a <see cref="ScriptedBackend"/> read it: the connection it came on (1, 2, ... in accept order) and its head.</summary>
public sealed record ScriptedRequest(int Connection, string Head)
{
    public string RequestLine => Head[..Head.IndexOf("\r\n", StringComparison.Ordinal)];
    public string Method => RequestLine.Split(' ')[0];
    public string Target => RequestLine.Split(' ')[1];

    public IReadOnlyList<(string Name, string Value)> Headers => Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
        .Select(l => (l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim(' ', '\t'))).ToArray();

    public string[] Values(string name) => Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();

    /// <summary>The header names, lower-cased.</summary>
    public SortedSet<string> Names => new(Headers.Select(h => h.Name.ToLowerInvariant()), StringComparer.Ordinal);
}

/// <summary>What the backend does after reading a request and writing the reply.</summary>
public enum Then
{
    /// <summary>Reads the next request on the connection.</summary>
    KeepOpen,
    /// <summary>Closes the connection.</summary>
    Close,
    /// <summary>Holds the connection open and says nothing more.</summary>
    Hang,
}

/// <summary>The exact bytes a backend writes, each element its own send (so they leave in separate TCP segments), and what it does next.</summary>
public sealed record Reply(IReadOnlyList<byte[]> Writes, Then Then = Then.KeepOpen)
{
    public static Reply Text(string response, Then then = Then.KeepOpen) => new([Encoding.Latin1.GetBytes(response)], then);

    public static Reply Pieces(params string[] pieces) => new(pieces.Select(Encoding.Latin1.GetBytes).ToArray());

    public static Reply Ok(string body, Then then = Then.KeepOpen) =>
        Text($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.Latin1.GetByteCount(body)}\r\n\r\n{body}", then);

    /// <summary>Reads the request and never answers.</summary>
    public static readonly Reply Silence = new([], Then.Hang);

    /// <summary>Reads the request and closes the connection without a byte of response.</summary>
    public static readonly Reply HangUp = new([], Then.Close);
}

/// <summary>
/// A backend on a bare socket that answers each request with the exact bytes its script gives, and records every request
/// head with the connection it arrived on. Requests are read by their head and Content-Length (the edge sends no others
/// on the direct path).
/// </summary>
public sealed class ScriptedBackend : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<ScriptedRequest, Reply> _script;
    private readonly List<Socket> _sockets = new();
    private readonly List<ScriptedRequest> _requests = new();
    private readonly HashSet<int> _ended = new();
    private int _connections;

    public ScriptedBackend(Func<ScriptedRequest, Reply> script)
    {
        _script = script;
        _listener.Start();
        _ = Accept();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<ScriptedRequest> Requests
    {
        get
        {
            lock (_requests)
                return _requests.ToArray();
        }
    }

    /// <summary>The one request for <paramref name="target"/>.</summary>
    public ScriptedRequest For(string target) => Requests.Single(r => r.Target == target);

    /// <summary>Whether connection <paramref name="connection"/> is over (closed by this backend or by the edge).</summary>
    public bool Ended(int connection)
    {
        lock (_ended)
            return _ended.Contains(connection);
    }

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                socket.NoDelay = true;
                var id = Interlocked.Increment(ref _connections);
                lock (_sockets)
                    _sockets.Add(socket);
                _ = Serve(socket, id);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task Serve(Socket socket, int id)
    {
        var buffer = new List<byte>();
        var chunk = new byte[64 * 1024];
        async Task<bool> Fill()
        {
            var read = await socket.ReceiveAsync(chunk, SocketFlags.None, _stop.Token);
            buffer.AddRange(chunk.AsSpan(0, read));
            return read > 0;
        }
        try
        {
            while (true)
            {
                int end;
                while ((end = Encoding.Latin1.GetString(buffer.ToArray()).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                {
                    if (!await Fill())
                        return;
                }
                var request = new ScriptedRequest(id, Encoding.Latin1.GetString(buffer.GetRange(0, end + 4).ToArray()));
                buffer.RemoveRange(0, end + 4);
                var length = request.Values("Content-Length").Select(int.Parse).FirstOrDefault();
                while (buffer.Count < length)
                {
                    if (!await Fill())
                        return;
                }
                buffer.RemoveRange(0, length);
                lock (_requests)
                    _requests.Add(request);
                var reply = _script(request);
                for (var i = 0; i < reply.Writes.Count; i++)
                {
                    // Pacing, not waiting for a condition: separate sends a few ms apart leave as separate segments,
                    // so the edge's reads see the response cut at these points.
                    if (i > 0)
                        await Task.Delay(5, _stop.Token);
                    await socket.SendAsync(reply.Writes[i], SocketFlags.None, _stop.Token);
                }
                if (reply.Then == Then.Close)
                    return;
                if (reply.Then == Then.Hang)
                    await Task.Delay(Timeout.Infinite, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
            lock (_ended)
                _ended.Add(id);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
            _sockets.ForEach(s => s.Dispose());
    }
}

/// <summary>One response as a <see cref="RawClient"/> read it off the wire (chunked bodies de-chunked).</summary>
public sealed record RawResponse(string StatusLine, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public int Status => int.Parse(StatusLine.AsSpan(9, 3));
    public string BodyText => Encoding.Latin1.GetString(Body);
    public string[] Values(string name) => Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToArray();
    public override string ToString() => StatusLine + " | " + string.Join(" | ", Headers.Select(h => $"{h.Name}: {h.Value}")) + $" | {Body.Length} body bytes";
}

/// <summary>A client connection to the edge on a bare socket: exact request bytes out, responses read one at a time.</summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = new();
    private readonly byte[] _chunk = new byte[64 * 1024];

    private RawClient(Socket socket) => _socket = socket;

    public static async Task<RawClient> Connect(IPEndPoint edge) => new(await RawHttp.Connect(edge));

    public Task Send(string request) => _socket.SendAsync(Encoding.Latin1.GetBytes(request), SocketFlags.None);

    /// <summary>Reads the next response; <paramref name="headRequest"/> when it answers a HEAD (no body follows).</summary>
    public async Task<RawResponse> Read(bool headRequest = false, TimeSpan? wait = null)
    {
        using var deadline = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(15));
        var token = deadline.Token;
        async Task<bool> Fill()
        {
            var read = await _socket.ReceiveAsync(_chunk, SocketFlags.None, token);
            _pending.AddRange(_chunk.AsSpan(0, read));
            return read > 0;
        }
        async Task<string> Line()
        {
            int end;
            while ((end = IndexOf(_pending, "\r\n")) < 0)
            {
                if (!await Fill())
                    throw new IOException("connection closed inside a line");
            }
            var line = Encoding.Latin1.GetString(_pending.GetRange(0, end).ToArray());
            _pending.RemoveRange(0, end + 2);
            return line;
        }
        async Task<byte[]> Take(int count)
        {
            while (_pending.Count < count)
            {
                if (!await Fill())
                    throw new IOException($"connection closed after {_pending.Count} of {count} bytes");
            }
            var bytes = _pending.GetRange(0, count).ToArray();
            _pending.RemoveRange(0, count);
            return bytes;
        }

        var statusLine = await Line();
        var headers = new List<(string, string)>();
        for (var line = await Line(); line.Length > 0; line = await Line())
            headers.Add((line[..line.IndexOf(':')], line[(line.IndexOf(':') + 1)..].Trim(' ', '\t')));
        var response = new RawResponse(statusLine, headers, []);
        if (headRequest || response.Status is < 200 or 204 or 304)
            return response;
        if (response.Values("Transfer-Encoding").Any(v => v.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            var body = new MemoryStream();
            while (true)
            {
                var size = Convert.ToInt32((await Line()).Split(';')[0], 16);
                if (size == 0)
                {
                    while ((await Line()).Length > 0)
                    {
                    }
                    return response with { Body = body.ToArray() };
                }
                body.Write(await Take(size));
                await Take(2);
            }
        }
        if (response.Values("Content-Length") is [var length])
            return response with { Body = await Take(int.Parse(length)) };
        while (await Fill())
        {
        }
        return response with { Body = await Take(_pending.Count) };
    }

    private static int IndexOf(List<byte> bytes, string text) => Encoding.Latin1.GetString(bytes.ToArray()).IndexOf(text, StringComparison.Ordinal);

    public void Dispose() => _socket.Dispose();
}

/// <summary>One edge (direct forwarder, the default; request-timeout 1 s) in front of one scripted backend, shared by the direct forwarding specs.</summary>
public sealed class DirectEdge : IAsyncLifetime
{
    public const string Hocon = """
        akka-router.http {
          request-timeout = 1s
          # Invalid responses and timeouts under test must not open the only backend's circuit.
          circuit-breaker.failure-threshold = 100000
        }
        """;

    public static readonly byte[] Megabyte = TestBackend.Payload(1 << 20);

    public ScriptedBackend Backend { get; } = new(Script);
    public EdgeNode Edge { get; private set; } = null!;

    private static Reply Script(ScriptedRequest request)
    {
        var target = request.Target;
        var path = target.Split('?')[0];
        return path switch
        {
            "/large" => new Reply([Encoding.Latin1.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {Megabyte.Length}\r\n\r\n"), Megabyte]),
            "/chunked" => Reply.Pieces(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
                "lo\r\n7;ext=1\r\n, world\r\n1",
                "0\r\n" + new string('!', 16) + "\r",
                "\n0\r\n\r\n"),
            "/trailers" => Reply.Pieces(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n",
                "5\r\nhello\r\n0\r\nX-Checksum: 5d41402a\r\n",
                "\r\n"),
            "/early-hints" => Reply.Pieces(
                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhints"),
            "/head" => Reply.Text("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n"),
            "/no-content" => Reply.Text("HTTP/1.1 204 No Content\r\nX-Result: none\r\n\r\n"),
            "/not-modified" => Reply.Text("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n"),
            "/invalid/status-line" => Reply.Text("HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok"),
            "/invalid/conflicting-length" => Reply.Text("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
            "/invalid/obs-fold" => Reply.Text("HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok"),
            "/invalid/huge-head" => Reply.Text("HTTP/1.1 200 OK\r\n"
                + string.Concat(Enumerable.Range(0, 70).Select(i => $"X-Filler-{i}: {new string('f', 1000)}\r\n")) + "Content-Length: 2\r\n\r\nok"),
            "/response-headers" => Reply.Text("HTTP/1.1 200 Fine\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"
                + "Keep-Alive: timeout=5, max=100\r\nProxy-Connection: keep-alive\r\nX-Custom: yes\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfine\r\n0\r\n\r\n"),
            "/names/distinct" => Reply.Text("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 2\r\n\r\nok"),
            "/names/repeated" => Reply.Text("HTTP/1.1 200 OK\r\nX-B: x\r\nX-B: y\r\nContent-Length: 2\r\n\r\nok"),
            "/split-length" => Reply.Pieces("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n", "hello split"),
            "/split-chunked" => Reply.Pieces("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "b\r\nhello split\r\n0\r\n\r\n"),
            "/silent" => Reply.Silence,
            "/stall" => new Reply([Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('s', 1000))], Then.Hang),
            _ => Reply.Ok($"ok {request.Method} {target}"),
        };
    }

    public async Task InitializeAsync() => Edge = await EdgeNode.Start([Backend.Endpoint], Hocon);

    public async Task DisposeAsync()
    {
        await Edge.DisposeAsync();
        Backend.Dispose();
    }
}

/// <summary>
/// The direct forwarder (requests without a body over plain HTTP/1.1) end to end: a real edge, a backend that sends
/// exact bytes, and what the client and the backend each get.
/// </summary>
public class DirectForwardingSpecs(DirectEdge fixture, ITestOutputHelper output) : IClassFixture<DirectEdge>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly ScriptedBackend _backend = fixture.Backend;
    private readonly EdgeNode _edge = fixture.Edge;

    private static string Get(string target, params string[] headers) =>
        $"GET {target} HTTP/1.1\r\nHost: edge.example\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    [Fact(DisplayName = "A Content-Length response reaches the client byte for byte, with its headers")]
    public async Task Content_length_response()
    {
        using var response = await _edge.Client.GetAsync("/documents/cl");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Encoding.ASCII.GetByteCount("ok GET /documents/cl"), response.Content.Headers.ContentLength);
        Assert.Equal("ok GET /documents/cl"u8.ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("GET /documents/cl HTTP/1.1", _backend.For("/documents/cl").RequestLine);
    }

    [Fact(DisplayName = "A 1 MB Content-Length body reaches the client byte for byte")]
    public async Task Megabyte_body()
    {
        using var response = await _edge.Client.GetAsync("/large", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DirectEdge.Megabyte.Length, response.Content.Headers.ContentLength);
        var (body, error) = await ReadBody(response, Deadline);
        Assert.True(error is null, $"{body.Length} of {DirectEdge.Megabyte.Length} bytes arrived, then: {error}");
        Assert.True(DirectEdge.Megabyte.AsSpan().SequenceEqual(body), "the body differs");
    }

    // Reads the body as far as it comes within the deadline: the bytes, and why it stopped short (null when complete).
    private static async Task<(byte[] Body, string? Error)> ReadBody(HttpResponseMessage response, TimeSpan deadline)
    {
        using var cancel = new CancellationTokenSource(deadline);
        var received = new MemoryStream();
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancel.Token);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancel.Token)) > 0)
                received.Write(buffer, 0, read);
            return (received.ToArray(), null);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return (received.ToArray(), $"no more bytes within {deadline.TotalSeconds:0} s (the client's read hangs)");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (received.ToArray(), e.GetBaseException().Message);
        }
    }

    [Theory(DisplayName = "A body whose last bytes arrive in a later TCP segment than the head reaches a keep-alive client whole, not held back")]
    [InlineData("/split-length")]
    [InlineData("/split-chunked")]
    public async Task Last_body_bytes_are_flushed(string target)
    {
        using var response = await _edge.Client.GetAsync(target, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (body, error) = await ReadBody(response, TimeSpan.FromSeconds(10));
        output.WriteLine($"{target}: {body.Length} bytes, {error ?? "complete"}");
        Assert.True(error is null, $"{body.Length} of 11 bytes arrived, then: {error}");
        Assert.Equal("hello split", Encoding.Latin1.GetString(body));
    }

    [Fact(DisplayName = "Sequential requests reuse one keep-alive connection to the backend")]
    public async Task Connection_is_reused()
    {
        for (var i = 0; i < 10; i++)
            Assert.Equal($"ok GET /reuse/{i}", await _edge.Client.GetStringAsync($"/reuse/{i}"));
        var connections = Enumerable.Range(0, 10).Select(i => _backend.For($"/reuse/{i}").Connection).Distinct().ToArray();
        output.WriteLine($"backend connections carrying the 10 requests: {string.Join(", ", connections)} (accepted so far: {_backend.Connections})");
        Assert.Single(connections);
    }

    [Fact(DisplayName = "A chunked response split across TCP writes (sizes, extensions, CRLFs cut anywhere) reaches the client byte for byte")]
    public async Task Chunked_response()
    {
        using var response = await _edge.Client.GetAsync("/chunked");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello, world" + new string('!', 16), Encoding.Latin1.GetString(await response.Content.ReadAsByteArrayAsync()));
        // The next request on the same backend connection is read cleanly: the decoder consumed exactly the body.
        var chunked = _backend.For("/chunked").Connection;
        Assert.Equal("ok GET /after-chunked", await _edge.Client.GetStringAsync("/after-chunked"));
        Assert.Equal(chunked, _backend.For("/after-chunked").Connection);
    }

    [Fact(DisplayName = "A chunked response with trailers still gives the client its whole body")]
    public async Task Chunked_response_with_trailers()
    {
        using var response = await _edge.Client.GetAsync("/trailers");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("ok GET /after-trailers", await _edge.Client.GetStringAsync("/after-trailers"));
    }

    [Fact(DisplayName = "An interim 103 Early Hints is skipped: the client gets the final 200 and its body")]
    public async Task Early_hints_then_final_response()
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send(Get("/early-hints"));
        var response = await client.Read();
        output.WriteLine(response.ToString());
        Assert.Equal(200, response.Status);
        Assert.Equal("hints", response.BodyText);
    }

    [Fact(DisplayName = "HEAD (with its Content-Length), 204 and 304 answer without a body, and both connections carry on")]
    public async Task Bodiless_responses()
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send("HEAD /head HTTP/1.1\r\nHost: edge.example\r\n\r\n");
        var head = await client.Read(headRequest: true);
        Assert.Equal(200, head.Status);
        Assert.Equal(["1234"], head.Values("Content-Length"));
        Assert.Equal(["text/plain"], head.Values("Content-Type"));

        await client.Send(Get("/no-content"));
        var noContent = await client.Read();
        Assert.Equal(204, noContent.Status);
        Assert.Equal(["none"], noContent.Values("X-Result"));
        Assert.Empty(noContent.Values("Transfer-Encoding"));

        await client.Send(Get("/not-modified", "If-None-Match: \"v1\""));
        var notModified = await client.Read();
        Assert.Equal(304, notModified.Status);
        Assert.Equal(["\"v1\""], notModified.Values("ETag"));
        Assert.Empty(notModified.Values("Transfer-Encoding"));

        // Had any body bytes followed a bodiless response, this response would not start where it does.
        await client.Send(Get("/after-bodiless"));
        var after = await client.Read();
        Assert.Equal(200, after.Status);
        Assert.Equal("ok GET /after-bodiless", after.BodyText);

        // The edge read no body either: the backend connection was reused, not closed, after each.
        var connections = new[] { "/head", "/no-content", "/not-modified", "/after-bodiless" }.Select(t => _backend.For(t).Connection).Distinct();
        Assert.Single(connections);
        Assert.Equal("HEAD", _backend.For("/head").Method);
        Assert.Equal(["\"v1\""], _backend.For("/not-modified").Values("If-None-Match"));
    }

    [Theory(DisplayName = "An invalid response (bad status line, conflicting Content-Length, obs-fold, a head over 64 KiB) gets a 502 naming an invalid HTTP response; the edge keeps serving")]
    [InlineData("/invalid/status-line")]
    [InlineData("/invalid/conflicting-length")]
    [InlineData("/invalid/obs-fold")]
    [InlineData("/invalid/huge-head")]
    public async Task Invalid_response_is_502(string target)
    {
        using var response = await _edge.Client.GetAsync(target);
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {body}");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("invalid HTTP response", body);
        Assert.Contains(_backend.Endpoint, body);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("X-Fold", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("X-Filler", StringComparison.OrdinalIgnoreCase));
        for (var i = 0; i < 3; i++)
            Assert.Equal($"ok GET /after-invalid/{i}", await _edge.Client.GetStringAsync($"/after-invalid/{i}"));
    }

    [Fact(DisplayName = "Hop-by-hop request headers are dropped; Host is the client's; X-Forwarded-For is appended to, -Proto and -Host replaced")]
    public async Task Request_headers_at_the_backend()
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send("GET /headers/hop HTTP/1.1\r\n"
            + "Host: original.example:8443\r\n"
            + "Connection: foo\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "TE: trailers, deflate\r\n"
            + "Upgrade: websocket\r\n"
            + "Proxy-Authorization: Basic c2VjcmV0OnNlY3JldA==\r\n"
            + "X-Forwarded-For: 203.0.113.7\r\n"
            + "X-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: spoofed.example\r\n"
            + "X-Kept: 1\r\n"
            + "Accept: text/plain\r\n"
            + "\r\n");
        var response = await client.Read();
        Assert.Equal(200, response.Status);
        var seen = _backend.For("/headers/hop");
        output.WriteLine(seen.Head);
        foreach (var name in new[] { "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "Proxy-Authorization" })
            Assert.True(seen.Values(name).Length == 0, $"{name} reached the backend: {string.Join(", ", seen.Values(name))}");
        Assert.Equal(["original.example:8443"], seen.Values("Host"));
        Assert.Equal(["203.0.113.7, 127.0.0.1"], seen.Values("X-Forwarded-For"));
        Assert.Equal(["http"], seen.Values("X-Forwarded-Proto"));
        Assert.Equal(["original.example:8443"], seen.Values("X-Forwarded-Host"));
        Assert.Equal(["1"], seen.Values("X-Kept"));
        Assert.Equal(["text/plain"], seen.Values("Accept"));
        Assert.Equal("GET /headers/hop HTTP/1.1", seen.RequestLine);
    }

    [Fact(DisplayName = "A POST with Content-Length: 0 reaches the backend with Content-Length: 0 and no body")]
    public async Task Empty_post()
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send("POST /empty-post HTTP/1.1\r\nHost: edge.example\r\nContent-Length: 0\r\n\r\n");
        var response = await client.Read();
        Assert.Equal(200, response.Status);
        Assert.Equal("ok POST /empty-post", response.BodyText);
        var seen = _backend.For("/empty-post");
        Assert.Equal("POST", seen.Method);
        Assert.Equal(["0"], seen.Values("Content-Length"));
        Assert.Empty(seen.Values("Transfer-Encoding"));
        // Nothing followed the head: the next request on that backend connection parsed cleanly.
        Assert.Equal("ok GET /after-empty-post", await _edge.Client.GetStringAsync("/after-empty-post"));
    }

    [Theory(DisplayName = "A path with %-escapes and a query string reach the backend as sent")]
    [InlineData("/escapes/a%20b/caf%C3%A9/x%2Fy?q=a%20b&r=%2F&s=%25&t=%zz&u=caf%C3%A9")]
    [InlineData("/escapes/plain-path?x=1&x=2&empty=&flag")]
    [InlineData("/escapes/sub-delims!$&'()*+,;=:@-._~")]
    public async Task Escaped_path_and_query(string target)
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send(Get(target));
        var response = await client.Read();
        Assert.Equal(200, response.Status);
        var seen = _backend.Requests.Last(r => r.Target.StartsWith("/escapes/", StringComparison.Ordinal));
        Assert.Equal(target, seen.Target);
    }

    [Theory(DisplayName = "A request with a body (forwarded through YARP) reaches the backend with the target a GET would: an encoded slash stays %2F, not %252F")]
    [InlineData("/escapes-body/x%2Fy")]
    [InlineData("/escapes-body/a%20b/caf%C3%A9/x%2Fy/100%25?q=a%20b&r=%2F&s=%25&u=caf%C3%A9")]
    [InlineData("/escapes-body/plain/100%25")]
    public async Task Escaped_path_with_a_body(string target)
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send($"POST {target} HTTP/1.1\r\nHost: edge.example\r\nContent-Length: 5\r\n\r\nhello");
        var response = await client.Read();
        Assert.Equal(200, response.Status);
        await client.Send(Get(target));
        Assert.Equal(200, (await client.Read()).Status);
        var seen = _backend.Requests.Where(r => r.Target.StartsWith("/escapes-body/", StringComparison.Ordinal)).TakeLast(2).ToArray();
        Assert.Equal(["POST", "GET"], seen.Select(r => r.Method));
        Assert.Equal(target, seen[0].Target);
        Assert.Equal(seen[1].Target, seen[0].Target);
        Assert.Equal(["5"], seen[0].Values("Content-Length"));
    }

    [Fact(DisplayName = "Response headers: two Set-Cookie pass as two, hop-by-hop ones (Keep-Alive, Proxy-Connection, the backend's Transfer-Encoding) do not, the reason phrase does")]
    public async Task Response_headers_at_the_client()
    {
        using var client = await RawClient.Connect(_edge.Http);
        await client.Send(Get("/response-headers"));
        var response = await client.Read();
        output.WriteLine(response.ToString());
        Assert.Equal("HTTP/1.1 200 Fine", response.StatusLine);
        Assert.Equal(["a=1; Path=/", "b=2; Path=/"], response.Values("Set-Cookie"));
        Assert.Equal(["yes"], response.Values("X-Custom"));
        Assert.Empty(response.Values("Keep-Alive"));
        Assert.Empty(response.Values("Proxy-Connection"));
        // The edge frames the body itself (chunked once, by Kestrel), not with the backend's header on top.
        Assert.Equal(["chunked"], response.Values("Transfer-Encoding"));
        Assert.Equal("fine", response.BodyText);
    }

    [Fact(DisplayName = "Header names remembered from the previous response on a backend connection never merge or drop a repeated name of the next one")]
    public async Task Repeated_names_after_other_names()
    {
        using var client = await RawClient.Connect(_edge.Http);
        foreach (var target in new[] { "/names/distinct", "/names/repeated", "/names/distinct", "/names/repeated", "/names/repeated" })
        {
            await client.Send(Get(target));
            var response = await client.Read();
            Assert.Equal("HTTP/1.1 200 OK", response.StatusLine);
            if (target == "/names/repeated")
            {
                Assert.Equal(["x", "y"], response.Values("X-B"));
                Assert.Empty(response.Values("X-A"));
            }
            else
            {
                Assert.Equal(["1"], response.Values("X-A"));
                Assert.Equal(["2"], response.Values("X-B"));
            }
        }
    }

    [Fact(DisplayName = "request-timeout 1s: a backend that never answers gets the client a 504 within 0.9-5 s")]
    public async Task Silent_backend_is_504()
    {
        var clock = Stopwatch.StartNew();
        using var response = await _edge.Client.GetAsync("/silent");
        output.WriteLine($"{(int)response.StatusCode} after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal($"504 backend {_backend.Endpoint} did not answer within 1s for key '/silent'\n", await response.Content.ReadAsStringAsync());
    }

    [Fact(DisplayName = "request-timeout 1s: a body that stalls after its head aborts the client's connection instead of hanging it")]
    public async Task Stalled_body_aborts_the_client()
    {
        using var response = await _edge.Client.GetAsync("/stall", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(100_000, response.Content.Headers.ContentLength);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var clock = Stopwatch.StartNew();
        var failed = await Record.ExceptionAsync(() => response.Content.ReadAsByteArrayAsync(deadline.Token));
        output.WriteLine($"{failed?.GetType().Name}: {failed?.Message} after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.False(deadline.IsCancellationRequested, "the client's read hung past 10 s");
        Assert.True(failed is HttpRequestException or IOException, $"expected the connection to be aborted, got {failed?.GetType().Name ?? "a complete body"}");
        Assert.Equal("ok GET /after-stall", await _edge.Client.GetStringAsync("/after-stall"));
    }
}

/// <summary>Direct forwarding cases that need an edge and backends of their own (connection counts, retries).</summary>
public class DirectForwardingConnectionSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static string KeyOwnedBy(EdgeNode edge, string endpoint, string prefix = "/documents/") =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}{i}").First(k => edge.OwnerOf(k) == endpoint);

    [Fact(DisplayName = "A close-delimited response (no length, Connection: close) arrives complete, and the next request opens a new backend connection")]
    public async Task Close_delimited_response()
    {
        var body = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},"));
        using var backend = new ScriptedBackend(r => r.Target == "/close-delimited"
            ? new Reply([Encoding.Latin1.GetBytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n" + body[..100]),
                Encoding.Latin1.GetBytes(body[100..])], Then.Close)
            : Reply.Ok("next"));
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        using var response = await edge.Client.GetAsync("/close-delimited");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal("next", await edge.Client.GetStringAsync("/next"));
        Assert.Equal(1, backend.For("/close-delimited").Connection);
        Assert.Equal(2, backend.For("/next").Connection);
        Assert.Equal(2, backend.Connections);
    }

    [Fact(DisplayName = "A backend that closes an idle pooled connection costs no 502: the next request is retried on a new connection")]
    public async Task Idle_connection_closed_by_the_backend()
    {
        // Answers the first request with keep-alive framing (no Connection: close), then closes the socket anyway.
        using var backend = new ScriptedBackend(r => r.Target == "/first" ? Reply.Ok("first", Then.Close) : Reply.Ok("second"));
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        Assert.Equal("first", await edge.Client.GetStringAsync("/first"));
        await Eventually.True(() => backend.Ended(1), Deadline, "the backend closed the pooled connection");

        using var response = await edge.Client.GetAsync("/second");
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {text}; backend connections {backend.Connections}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("second", text);
        Assert.Equal(2, backend.For("/second").Connection);
    }

    [Fact(DisplayName = "A backend that reads the request and closes without answering: the key's next backend answers it")]
    public async Task Hang_up_is_retried_on_the_next_backend()
    {
        using var bad = new ScriptedBackend(_ => Reply.HangUp);
        using var healthy = new ScriptedBackend(r => Reply.Ok($"healthy {r.Target}"));
        await using var edge = await EdgeNode.Start([bad.Endpoint, healthy.Endpoint], "akka-router.http.debug-headers = on");
        var key = KeyOwnedBy(edge, bad.Endpoint);
        using var response = await edge.Client.GetAsync(key);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} {text} via {string.Join(",", response.Headers.GetValues(AkkaRouter.Http.HttpEdgeForwarder.BackendHeader))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"healthy {key}", text);
        Assert.Contains(bad.Requests, r => r.Target == key);
        Assert.Equal($"{bad.Endpoint}, {healthy.Endpoint}", response.Headers.GetValues(AkkaRouter.Http.HttpEdgeForwarder.BackendHeader).Single());
    }
}

/// <summary>Two edges, one with the direct forwarder (the default) and one with akka-router.http.forwarder = yarp, each in front of its own scripted backend.</summary>
public sealed class ParityEdges : IAsyncLifetime
{
    private static Reply Script(ScriptedRequest request) => request.Target.Split('?')[0] switch
    {
        "/parity/response" => Reply.Text("HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Custom: yes\r\n"
            + "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nContent-Length: 4\r\n\r\nfine"),
        "/parity/not-modified" => Reply.Text("HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 4\r\n\r\n"),
        "/parity/chunked" => Reply.Text("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        _ => Reply.Ok($"{request.Method} {request.Target}"),
    };

    public ScriptedBackend DirectBackend { get; } = new(Script);
    public ScriptedBackend YarpBackend { get; } = new(Script);
    public EdgeNode Direct { get; private set; } = null!;
    public EdgeNode Yarp { get; private set; } = null!;

    public (EdgeNode Edge, ScriptedBackend Backend) By(string forwarder) => forwarder == "yarp" ? (Yarp, YarpBackend) : (Direct, DirectBackend);

    public async Task InitializeAsync()
    {
        Direct = await EdgeNode.Start([DirectBackend.Endpoint]);
        Yarp = await EdgeNode.Start([YarpBackend.Endpoint], "akka-router.http.forwarder = yarp");
    }

    public async Task DisposeAsync()
    {
        await Direct.DisposeAsync();
        await Yarp.DisposeAsync();
        DirectBackend.Dispose();
        YarpBackend.Dispose();
    }
}

/// <summary>The direct forwarder against YARP: the same requests give the same answers and the backend the same headers.</summary>
public class ForwarderParitySpecs(ParityEdges fixture, ITestOutputHelper output) : IClassFixture<ParityEdges>
{
    private async Task<(RawResponse Response, ScriptedRequest Seen)> Exchange(string forwarder, string request, string target, bool headRequest = false)
    {
        var (edge, backend) = fixture.By(forwarder);
        using var client = await RawClient.Connect(edge.Http);
        await client.Send(request);
        var response = await client.Read(headRequest);
        // The request line as the backend got it may differ from the client's (that is under test): matched on its first segments.
        var marker = string.Join('/', target.Split('?')[0].Split('/').Take(3));
        var seen = backend.Requests.Last(r => r.Target.StartsWith(marker, StringComparison.Ordinal));
        return (response, seen);
    }

    public static TheoryData<string, string, bool> Requests => new()
    {
        { "browser-get", "GET /parity/browser?q=1 HTTP/1.1\r\nHost: parity.example\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\n"
            + "Accept-Encoding: gzip, br\r\nAccept-Language: en\r\nCookie: a=1\r\nUpgrade-Insecure-Requests: 1\r\nSec-Fetch-Mode: navigate\r\n"
            + "If-None-Match: \"v0\"\r\nCache-Control: max-age=0\r\n\r\n", false },
        { "hop-by-hop", "GET /parity/hop HTTP/1.1\r\nHost: parity.example\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
            + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Authorization: Basic eDp5\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"
            + "Alt-Svc: h2=\":443\"\r\nClose: 1\r\nALPN: h2\r\nProxy-Features: x\r\n\r\n", false },
        { "forwarded", "GET /parity/forwarded HTTP/1.1\r\nHost: parity.example\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: spoofed.example\r\nForwarded: for=203.0.113.7\r\nX-Real-IP: 203.0.113.7\r\n\r\n", false },
        { "repeated", "GET /parity/repeated HTTP/1.1\r\nHost: parity.example\r\nX-Multi: one\r\nX-Multi: two\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n", false },
        { "delete", "DELETE /parity/delete HTTP/1.1\r\nHost: parity.example\r\nAuthorization: Bearer t\r\n\r\n", false },
        { "options", "OPTIONS /parity/options HTTP/1.1\r\nHost: parity.example\r\nOrigin: https://o.example\r\nAccess-Control-Request-Method: PUT\r\n\r\n", false },
        { "head", "HEAD /parity/head HTTP/1.1\r\nHost: parity.example\r\n\r\n", true },
        { "empty-post", "POST /parity/post HTTP/1.1\r\nHost: parity.example\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n", false },
        { "get-with-zero-length", "GET /parity/get-zero HTTP/1.1\r\nHost: parity.example\r\nContent-Length: 0\r\n\r\n", false },
        { "expect", "GET /parity/expect HTTP/1.1\r\nHost: parity.example\r\nExpect: 100-continue\r\n\r\n", false },
    };

    [Theory(DisplayName = "The same request through the direct forwarder and through YARP gives the same status and body, and the backend the same header names")]
    [MemberData(nameof(Requests))]
    public async Task Same_answer_and_header_names(string name, string request, bool headRequest)
    {
        var target = request.Split(' ')[1];
        var (direct, directSeen) = await Exchange("direct", request, target, headRequest);
        var (yarp, yarpSeen) = await Exchange("yarp", request, target, headRequest);
        output.WriteLine($"{name}\ndirect: {directSeen.Head}yarp:   {yarpSeen.Head}");
        Assert.Equal(yarp.Status, direct.Status);
        Assert.Equal(yarp.BodyText, direct.BodyText);
        Assert.Equal(yarpSeen.RequestLine, directSeen.RequestLine);
        var onlyDirect = directSeen.Names.Except(yarpSeen.Names).ToArray();
        var onlyYarp = yarpSeen.Names.Except(directSeen.Names).ToArray();
        Assert.True(onlyDirect.Length == 0 && onlyYarp.Length == 0,
            $"{name}: header names only the direct forwarder sent: [{string.Join(", ", onlyDirect)}]; only YARP sent: [{string.Join(", ", onlyYarp)}]");
        foreach (var header in new[] { "Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Cookie", "Content-Length" })
            Assert.Equal(yarpSeen.Values(header), directSeen.Values(header));
    }

    [Theory(DisplayName = "An escaped percent sign (%25) in the path reaches the backend still escaped, as sent (no second decoding at the backend)")]
    [InlineData("direct")]
    [InlineData("yarp")]
    public async Task Escaped_percent_is_not_decoded_twice(string forwarder)
    {
        const string target = "/parity/percent/a%2541/%252e%252e/admin";
        var (response, seen) = await Exchange(forwarder, $"GET {target} HTTP/1.1\r\nHost: parity.example\r\n\r\n", target);
        output.WriteLine($"{forwarder}: client sent {target}, backend got {seen.Target}");
        Assert.Equal(200, response.Status);
        Assert.Equal(target, seen.Target);
    }

    [Theory(DisplayName = "The same response through both forwarders reaches the client with the same status line, headers and body")]
    [InlineData("/parity/response")]
    [InlineData("/parity/not-modified")]
    [InlineData("/parity/chunked")]
    public async Task Same_response_headers(string target)
    {
        var request = $"GET {target} HTTP/1.1\r\nHost: parity.example\r\n\r\n";
        var (direct, _) = await Exchange("direct", request, target);
        var (yarp, _) = await Exchange("yarp", request, target);
        output.WriteLine($"direct: {direct}\nyarp:   {yarp}");
        Assert.Equal(yarp.StatusLine, direct.StatusLine);
        Assert.Equal(yarp.BodyText, direct.BodyText);
        static string[] Shown(RawResponse r) => r.Headers.Where(h => !h.Name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            .Select(h => $"{h.Name.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Shown(yarp), Shown(direct));
    }
}
