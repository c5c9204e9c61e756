using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Http;

/// <summary>One edge (small limits, short timeouts) in front of a <see cref="RawBackend"/>, shared by the hostile-request specs.</summary>
public sealed class HostileEdge : IAsyncLifetime
{
    public const string Hocon = """
        akka-router.http {
          routes = [ { path = "^/small/", max-body-size = 1k }, { path = "^/roomy/", max-body-size = 256k }, { } ]
          limits {
            max-request-line-size = 2k
            max-request-headers-size = 8k
            max-header-count = 20
            max-body-size = 64k
            keep-alive-timeout = 10s
            request-headers-timeout = 1s
            min-request-body-rate { bytes-per-second = 1000, grace-period = 2s }
            min-response-rate { bytes-per-second = 1000000, grace-period = 2s }
          }
        }
        """;

    public RawBackend Backend { get; } = new();
    public EdgeNode Edge { get; private set; } = null!;
    public IPEndPoint Http => Edge.Http;

    public async Task InitializeAsync() => Edge = await EdgeNode.Start([Backend.Endpoint], Hocon);

    public async Task DisposeAsync()
    {
        await Edge.DisposeAsync();
        Backend.Dispose();
    }
}

/// <summary>What the edge must do with a hostile request.</summary>
public enum Verdict
{
    /// <summary>Answered with the given status and the connection closed; the backend never sees a byte of it.</summary>
    Rejected,
    /// <summary>Forwarded once, re-framed unambiguously: the backend reads exactly one complete request with the expected body.</summary>
    Forwarded,
    /// <summary>Refused mid-body with the given status and a close: the backend, already sent the head, never reads a complete request.</summary>
    CutOff,
}

public class HostileRequestSpecs(HostileEdge fixture, ITestOutputHelper output) : IClassFixture<HostileEdge>
{
    private readonly RawBackend _backend = fixture.Backend;
    private readonly IPEndPoint _edge = fixture.Http;

    private static string Head(string method, string target, params string[] headers) =>
        $"{method} {target} HTTP/1.1\r\nHost: edge\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    private static string Smuggled(string name) => Head("GET", $"/smuggled-{name}", "Connection: close");

    private static string Chunked(string body) => $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n";

    // name, the request (a smuggled second request after it where framing is the attack), verdict, status (and a text
    // the answer contains) or forwarded body
    public static TheoryData<string, string, Verdict, string> Framing => new()
    {
        { "cl-te", Head("POST", "/m/cl-te", "Content-Length: 6", "Transfer-Encoding: chunked") + "0\r\n\r\nX" + Smuggled("cl-te"), Verdict.Rejected, "400 both Content-Length and Transfer-Encoding (ambiguous framing)" },
        { "te-cl", Head("POST", "/m/te-cl", "Transfer-Encoding: chunked", "Content-Length: 3") + "5\r\nhello\r\n0\r\n\r\n" + Smuggled("te-cl"), Verdict.Rejected, "400 both Content-Length and Transfer-Encoding (ambiguous framing)" },
        { "x-content-length-with-chunked", Head("POST", "/m/x-content-length-with-chunked", "X-Content-Length: 3", "Transfer-Encoding: chunked") + Chunked("abc") + Smuggled("x-content-length-with-chunked"), Verdict.Rejected, "400 both Content-Length and Transfer-Encoding (ambiguous framing)" },
        { "double-cl", Head("POST", "/m/double-cl", "Content-Length: 3", "Content-Length: 40") + "abc" + Smuggled("double-cl"), Verdict.Rejected, "400" },
        { "cl-list", Head("POST", "/m/cl-list", "Content-Length: 3, 40") + "abc" + Smuggled("cl-list"), Verdict.Rejected, "400" },
        { "cl-negative", Head("POST", "/m/cl-negative", "Content-Length: -1") + Smuggled("cl-negative"), Verdict.Rejected, "400" },
        { "te-chunked-identity", Head("POST", "/m/te-chunked-identity", "Transfer-Encoding: chunked, identity") + Chunked("abc") + Smuggled("te-chunked-identity"), Verdict.Rejected, "400" },
        { "te-twice", Head("POST", "/m/te-twice", "Transfer-Encoding: chunked", "Transfer-Encoding: identity") + Chunked("abc") + Smuggled("te-twice"), Verdict.Rejected, "400" },
        { "te-space-before-colon", Head("POST", "/m/te-space-before-colon", "Transfer-Encoding : chunked", "Content-Length: 3") + "abc" + Chunked("x") + Smuggled("te-space-before-colon"), Verdict.Rejected, "400" },
        { "te-xchunked", Head("POST", "/m/te-xchunked", "Transfer-Encoding: xchunked") + Chunked("abc") + Smuggled("te-xchunked"), Verdict.Rejected, "400" },
        { "te-tab", Head("POST", "/m/te-tab", "Transfer-Encoding:\tchunked", "Connection: close") + Chunked("abc"), Verdict.Forwarded, "abc" },
        { "chunk-size-not-hex", Head("POST", "/m/chunk-size-not-hex", "Transfer-Encoding: chunked") + "zz\r\nabc\r\n0\r\n\r\n" + Smuggled("chunk-size-not-hex"), Verdict.CutOff, "400" },
        { "chunk-size-overflow", Head("POST", "/m/chunk-size-overflow", "Transfer-Encoding: chunked") + "fffffffffffffffff3\r\nabc\r\n0\r\n\r\n" + Smuggled("chunk-size-overflow"), Verdict.CutOff, "400" },
        { "chunk-extension-long", Head("POST", "/m/chunk-extension-long", "Transfer-Encoding: chunked", "Connection: close") + "3;" + new string('a', 16 * 1024) + "\r\nabc\r\n0\r\n\r\n", Verdict.Forwarded, "abc" },
        { "chunk-extension-bare-lf", Head("POST", "/m/chunk-extension-bare-lf", "Transfer-Encoding: chunked") + "3;a\nabc\r\n0\r\n\r\n" + Smuggled("chunk-extension-bare-lf"), Verdict.CutOff, "400" },
        { "chunk-bare-lf", Head("POST", "/m/chunk-bare-lf", "Transfer-Encoding: chunked") + "3\nabc\n0\n\n" + Smuggled("chunk-bare-lf"), Verdict.CutOff, "400" },
        { "head-bare-lf", "GET /m/head-bare-lf HTTP/1.1\nHost: edge\nConnection: close\n\n", Verdict.Forwarded, "" },
        { "nul-in-header-value", Head("GET", "/m/nul-in-header-value", "X-Note: a\0b") + Smuggled("nul-in-header-value"), Verdict.Rejected, "400" },
        { "cr-in-header-value", Head("GET", "/m/cr-in-header-value", "X-Note: a\rb") + Smuggled("cr-in-header-value"), Verdict.Rejected, "400" },
        { "obs-fold", Head("GET", "/m/obs-fold", "X-Note: a", " b") + Smuggled("obs-fold"), Verdict.Rejected, "400" },
        { "absolute-form-host-mismatch", "GET http://other.example/m/absolute-form-host-mismatch HTTP/1.1\r\nHost: edge.example\r\n\r\n" + Smuggled("absolute-form-host-mismatch"), Verdict.Rejected, "400" },
    };

    // name, request, verdict, status (and a text the answer contains) or forwarded body
    public static TheoryData<string, string, Verdict, string> Sizes => new()
    {
        { "line-too-long", Head("GET", "/m/line-too-long/" + new string('a', 2100)), Verdict.Rejected, "414" },
        { "line-within-limit", Head("GET", "/m/line-within-limit/" + new string('a', 1900), "Connection: close"), Verdict.Forwarded, "" },
        { "headers-too-large", Head("GET", "/m/headers-too-large", Enumerable.Range(0, 5).Select(i => $"X-Big-{i}: {new string('b', 2000)}").ToArray()), Verdict.Rejected, "431" },
        { "headers-within-limit", Head("GET", "/m/headers-within-limit", [.. Enumerable.Range(0, 3).Select(i => $"X-Big-{i}: {new string('b', 2000)}"), "Connection: close"]), Verdict.Forwarded, "" },
        { "too-many-headers", Head("GET", "/m/too-many-headers", Enumerable.Range(0, 20).Select(i => $"X-N-{i}: {i}").ToArray()), Verdict.Rejected, "431" },
        { "headers-at-count-limit", Head("GET", "/m/headers-at-count-limit", [.. Enumerable.Range(0, 18).Select(i => $"X-N-{i}: {i}"), "Connection: close"]), Verdict.Forwarded, "" },
        { "body-over-global-limit", Head("POST", "/m/body-over-global-limit", "Content-Length: 70000") + new string('x', 1000), Verdict.Rejected, "413 request body of 70000 bytes is over the limit of 65536 bytes" },
        { "body-within-global-limit", Head("POST", "/m/body-within-global-limit", "Content-Length: 60000", "Connection: close") + new string('x', 60000), Verdict.Forwarded, new string('x', 60000) },
        { "body-over-route-limit", Head("POST", "/small/m/body-over-route-limit", "Content-Length: 2000") + new string('x', 1000), Verdict.Rejected, "413 request body of 2000 bytes is over the limit of 1024 bytes" },
        { "body-route-raises-limit", Head("POST", "/roomy/m/body-route-raises-limit", "Content-Length: 100000", "Connection: close") + new string('x', 100000), Verdict.Forwarded, new string('x', 100000) },
        { "chunked-over-global-limit", Head("POST", "/m/chunked-over-global-limit", "Transfer-Encoding: chunked") + Chunked(new string('x', 70000)), Verdict.CutOff, "413" },
        { "chunked-over-route-limit", Head("POST", "/small/m/chunked-over-route-limit", "Transfer-Encoding: chunked") + Chunked(new string('x', 2000)), Verdict.CutOff, "413" },
    };

    [Theory(DisplayName = "Ambiguous or malformed framing is refused before the backend sees it, or re-framed so the backend reads exactly one request; a smuggled second request never arrives")]
    [MemberData(nameof(Framing))]
    public Task Ambiguous_framing_never_reaches_the_backend_ambiguously(string name, string request, Verdict verdict, string expected) =>
        Check(name, request, verdict, expected);

    [Theory(DisplayName = "Request line, header and body limits answer 414, 431 and 413 (a route's max-body-size over the global one); requests within them pass")]
    [MemberData(nameof(Sizes))]
    public Task Size_limits_answer_with_their_status(string name, string request, Verdict verdict, string expected) =>
        Check(name, request, verdict, expected);

    [Fact(DisplayName = "Slowloris: headers trickled a byte at a time are cut off after request-headers-timeout (408 and a close); nothing reaches the backend")]
    public async Task Trickled_headers_are_cut_off_at_the_headers_timeout()
    {
        await using var healthy = new HealthyTraffic(_edge, "slowloris");
        using var socket = await RawHttp.Connect(_edge);
        var reply = RawHttp.ReadToClose(socket, TimeSpan.FromSeconds(20));
        var head = Encoding.ASCII.GetBytes("GET /m/slowloris HTTP/1.1\r\nHost: edge\r\nX-Slow: " + new string('s', 1000));
        var clock = Stopwatch.StartNew();
        var sent = 0;
        try
        {
            // One byte every 100 ms, never finishing the headers, until the edge gives up on them.
            for (; sent < head.Length && !reply.IsCompleted; sent++)
            {
                await socket.SendAsync(head.AsMemory(sent, 1), SocketFlags.None);
                await Task.WhenAny(reply, Task.Delay(100));
            }
        }
        catch (SocketException)
        {
            // The edge closed the connection between two bytes.
        }
        var result = await reply;
        var elapsed = clock.Elapsed;
        Assert.True(result.Closed, $"the edge kept a trickling connection open for {elapsed.TotalSeconds:0.0} s: {result}");
        Assert.Equal([408], result.Statuses);
        // request-headers-timeout is 1s; Kestrel checks it on a one-second heartbeat.
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.True(sent < head.Length, "the trickle ran out before the edge reacted");
        output.WriteLine($"trickled headers cut off after {elapsed.TotalSeconds:0.0} s ({sent} bytes sent)");
        Assert.DoesNotContain("/m/slowloris", _backend.Wire);
        await healthy.StopAndAssertHealthy();
    }

    [Fact(DisplayName = "A request body trickled below min-request-body-rate is abandoned after the grace period (408 and a close); the backend never reads it whole")]
    public async Task Trickled_body_is_abandoned_below_the_minimum_rate()
    {
        await using var healthy = new HealthyTraffic(_edge, "slow-body");
        using var socket = await RawHttp.Connect(_edge);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Head("POST", "/m/slow-body", "Content-Length: 5000")), SocketFlags.None);
        var reply = RawHttp.ReadToClose(socket, TimeSpan.FromSeconds(20));
        var clock = Stopwatch.StartNew();
        try
        {
            // 10 bytes per second against a minimum of 1000 (grace 2s).
            for (var i = 0; i < 5000 && !reply.IsCompleted; i++)
            {
                await socket.SendAsync(new byte[] { (byte)'b' }, SocketFlags.None);
                await Task.WhenAny(reply, Task.Delay(100));
            }
        }
        catch (SocketException)
        {
        }
        var result = await reply;
        Assert.True(result.Closed, $"the edge kept a trickling body open for {clock.Elapsed.TotalSeconds:0.0} s: {result}");
        Assert.All(result.Statuses, s => Assert.Equal(408, s));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        output.WriteLine($"trickled body abandoned after {clock.Elapsed.TotalSeconds:0.0} s: {result}");
        Assert.DoesNotContain(_backend.RequestsFor("/m/slow-body"), r => r.Complete);
        await healthy.StopAndAssertHealthy();
    }

    [Fact(DisplayName = "A client that never reads a large response is disconnected after the min-response-rate grace period, and the backend's response is abandoned")]
    public async Task Client_that_never_reads_is_disconnected()
    {
        await using var healthy = new HealthyTraffic(_edge, "never-reads");
        const int size = 64 * 1024 * 1024;
        var aborted = _backend.AbortedResponses;
        using var socket = await RawHttp.Connect(_edge, receiveBuffer: 4096);
        await socket.SendAsync(Encoding.ASCII.GetBytes(Head("GET", $"/large/{size}")), SocketFlags.None);
        var clock = Stopwatch.StartNew();
        // The client reads nothing; the edge's writes stall once the socket buffers are full.
        await Eventually.True(() => _backend.AbortedResponses > aborted, TimeSpan.FromSeconds(30), "the edge drops the stalled response");
        var dropped = clock.Elapsed;
        var rest = await RawHttp.ReadToClose(socket, TimeSpan.FromSeconds(10));
        Assert.True(rest.Closed, $"the connection of a client that never read stays open after {dropped.TotalSeconds:0.0} s");
        Assert.True(rest.Text.Length < size, $"the whole {size}-byte response was delivered to a client that never read");
        // The minimum rate is an average over the response: the megabytes the socket buffers took at once give the
        // client a few seconds at 1 MB/s. Well before request-timeout (30 s), which would also end a stalled copy.
        Assert.InRange(dropped, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
        output.WriteLine($"never-reading client dropped after {dropped.TotalSeconds:0.0} s; {rest.Text.Length} bytes were still readable");
        await healthy.StopAndAssertHealthy();
    }

    [Fact(DisplayName = "At max-connections further connections are closed unanswered and counted, while the open ones keep being served; a freed slot is reused")]
    public async Task Connections_over_the_cap_are_refused_and_counted()
    {
        using var backend = new RawBackend();
        await using var edge = await EdgeNode.Start([backend.Endpoint], "akka-router.http.limits.max-connections = 6");
        // One connection: the healthy client requests one at a time.
        await using var healthy = new HealthyTraffic(edge.Http, "cap");
        await Eventually.True(() => healthy.Succeeded > 0, TimeSpan.FromSeconds(10), "the healthy client is served");
        var open = new List<Socket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var socket = await RawHttp.Connect(edge.Http);
                open.Add(socket);
                await socket.SendAsync(Encoding.ASCII.GetBytes(Head("GET", $"/cap/open-{i}")), SocketFlags.None);
                Assert.StartsWith("HTTP/1.1 200", await RawHttp.ReadResponse(socket, TimeSpan.FromSeconds(10)));
            }

            for (var i = 0; i < 4; i++)
            {
                using var refused = await RawHttp.Connect(edge.Http);
                await refused.SendAsync(Encoding.ASCII.GetBytes(Head("GET", $"/cap/refused-{i}")), SocketFlags.None);
                var reply = await RawHttp.ReadToClose(refused, TimeSpan.FromSeconds(10));
                Assert.True(reply.Closed && reply.Text.Length == 0, $"connection {7 + i} over a cap of 6 was served: {reply}");
            }
            await EventuallyAsync.True(async () => (await edge.Metrics()).GetValueOrDefault("akkarouter_http_connections_rejected_total") == 4,
                TimeSpan.FromSeconds(10), "the 4 refused connections are counted");
            Assert.DoesNotContain("/cap/refused-", backend.Wire);

            for (var i = 0; i < open.Count; i++)
            {
                await open[i].SendAsync(Encoding.ASCII.GetBytes(Head("GET", $"/cap/again-{i}")), SocketFlags.None);
                Assert.StartsWith("HTTP/1.1 200", await RawHttp.ReadResponse(open[i], TimeSpan.FromSeconds(10)));
            }
            await healthy.StopAndAssertHealthy();

            open[0].Dispose();
            open.RemoveAt(0);
            await EventuallyAsync.True(async () =>
            {
                using var socket = await RawHttp.Connect(edge.Http);
                await socket.SendAsync(Encoding.ASCII.GetBytes(Head("GET", "/cap/freed", "Connection: close")), SocketFlags.None);
                return (await RawHttp.ReadToClose(socket, TimeSpan.FromSeconds(5))).Statuses.SequenceEqual([200]);
            }, TimeSpan.FromSeconds(10), "a connection is served again once one of the 6 closed");
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private async Task Check(string name, string request, Verdict verdict, string expected)
    {
        await using var healthy = new HealthyTraffic(_edge, name);
        var reply = await RawHttp.Exchange(_edge, request);
        var marker = $"/m/{name}";
        var seen = _backend.RequestsFor(marker);
        var backendSaw = string.Join(" | ", seen.Select(r => $"complete={r.Complete} {Shorten(r.Head.ReplaceLineEndings("\\n"))}"));
        output.WriteLine($"client got {reply}");
        output.WriteLine($"backend read: {(backendSaw.Length == 0 ? "nothing" : backendSaw)}");
        switch (verdict)
        {
            case Verdict.Rejected:
                // "STATUS [text the answer contains]"
                Assert.True(reply.Statuses.SequenceEqual([int.Parse(expected[..3])]), $"expected {expected}, the client got {reply}; the backend read: {backendSaw}");
                Assert.Contains(expected[3..].Trim(), reply.Text);
                Assert.True(reply.Closed, $"the edge keeps the connection open after refusing it: {reply}");
                Assert.DoesNotContain(marker, _backend.Wire);
                break;
            case Verdict.Forwarded:
                Assert.Equal([200], reply.Statuses);
                var forwarded = Assert.Single(seen);
                Assert.True(forwarded.Complete, $"the backend read an incomplete request: {forwarded.Head}");
                Assert.Equal(expected, forwarded.BodyText);
                break;
            case Verdict.CutOff:
                Assert.True(reply.Statuses.SequenceEqual([int.Parse(expected)]), $"expected {expected}, the client got {reply}");
                Assert.True(reply.Closed, $"the edge keeps the connection open after a broken body: {reply}");
                Assert.DoesNotContain(seen, r => r.Complete);
                break;
        }
        Assert.DoesNotContain(_backend.Requests, r => r.Target.Contains($"/smuggled-{name}", StringComparison.Ordinal));
        await healthy.StopAndAssertHealthy();
    }
}
