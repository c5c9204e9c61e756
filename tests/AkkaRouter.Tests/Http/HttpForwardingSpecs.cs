using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AkkaRouter.Http;

namespace AkkaRouter.Tests.Http;

/// <summary>Three backends behind one router node's edge, shared by the forwarding specs.</summary>
public sealed class ThreeBackendEdge : IAsyncLifetime
{
    public List<TestBackend> Backends { get; } = new();
    public EdgeNode Edge { get; private set; } = null!;

    public TestBackend ByEndpoint(string endpoint) => Backends.Single(b => b.Endpoint == endpoint);

    public async Task InitializeAsync()
    {
        for (var i = 1; i <= 3; i++)
            Backends.Add(await TestBackend.Start($"backend-{i}"));
        Edge = await EdgeNode.Start(Backends.Select(b => b.Endpoint), "akka-router.http.debug-headers = on");
    }

    public async Task DisposeAsync()
    {
        await Edge.DisposeAsync();
        foreach (var backend in Backends)
            await backend.DisposeAsync();
    }
}

public class HttpForwardingSpecs(ThreeBackendEdge fixture) : IClassFixture<ThreeBackendEdge>
{
    private readonly EdgeNode _edge = fixture.Edge;

    [Fact(DisplayName = "Each request lands on the backend the ring (and RESP GET of the same key) names as the path's owner")]
    public async Task Requests_land_on_the_ring_owner()
    {
        var owners = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var path = $"/documents/doc-{i}";
            using var response = await _edge.Client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            var owner = _edge.OwnerOf(path);
            Assert.Equal(fixture.ByEndpoint(owner).Name, response.Headers.GetValues(TestBackend.ServedBy).Single());
            Assert.Equal(owner, response.Headers.GetValues(HttpEdgeForwarder.BackendHeader).Single());
            owners.Add(owner);
        }
        Assert.Equal(3, owners.Count);
        Assert.Equal(_edge.OwnerOf("/documents/doc-7"), await RespGet(_edge.Listener("resp").Port, "/documents/doc-7"));
    }

    [Fact(DisplayName = "/metrics counts edge requests by backend and status, and shows each backend's circuit state")]
    public async Task Metrics_count_edge_requests()
    {
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_edge.Listener("management").Port}") };
        var owner = _edge.OwnerOf("/metrics-probe");
        var key = $"akkarouter_http_requests_total{{backend=\"{owner}\",status=\"200\"}}";
        var before = Support.PrometheusText.Parse(await management.GetStringAsync("/metrics")).GetValueOrDefault(key);
        for (var i = 0; i < 5; i++)
            (await _edge.Client.GetAsync("/metrics-probe")).EnsureSuccessStatusCode();
        var after = Support.PrometheusText.Parse(await management.GetStringAsync("/metrics"));
        Assert.Equal(before + 5, after[key]);
        foreach (var backend in fixture.Backends)
            Assert.Equal(0, after[$"akkarouter_http_circuit_state{{backend=\"{backend.Endpoint}\"}}"]);
    }

    [Fact(DisplayName = "The query is not part of the default key: /documents/abc and /documents/abc?x=1 reach the same backend")]
    public async Task Query_excluded_from_default_key()
    {
        var plain = await _edge.Client.GetStringAsync("/documents/abc");
        var withQuery = await _edge.Client.GetStringAsync("/documents/abc?x=1&y=%2F");
        Assert.Equal(plain.Split(' ')[0], withQuery.Split(' ')[0]);
        Assert.EndsWith("/documents/abc?x=1&y=%2F\n", withQuery);
    }

    [Fact(DisplayName = "Method, path, query and headers arrive unchanged with X-Forwarded-For/-Proto/-Host added")]
    public async Task Request_arrives_unchanged_with_forwarded_headers()
    {
        const string path = "/items/a%20b/c";
        using var request = new HttpRequestMessage(HttpMethod.Put, path + "?q=1&q=2&z=%C3%A9") { Content = new StringContent("hello", Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Custom", "one, two");
        request.Headers.Add("X-Forwarded-For", "10.1.2.3");
        request.Headers.Host = "shop.example:8443";
        using var response = await _edge.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var backend = fixture.ByEndpoint(response.Headers.GetValues(HttpEdgeForwarder.BackendHeader).Single());
        var seen = backend.Seen.Last(s => s.Method == "PUT" && s.Path == "/items/a b/c");
        Assert.Equal("?q=1&q=2&z=%C3%A9", seen.Query);
        Assert.Equal("one, two", seen.Headers["X-Custom"]);
        Assert.Equal("shop.example:8443", seen.Headers["Host"]);
        Assert.Equal("10.1.2.3, 127.0.0.1", seen.Headers["X-Forwarded-For"]);
        Assert.Equal("http", seen.Headers["X-Forwarded-Proto"]);
        Assert.Equal("shop.example:8443", seen.Headers["X-Forwarded-Host"]);
        Assert.Equal("text/plain; charset=utf-8", seen.Headers["Content-Type"]);
    }

    [Fact(DisplayName = "A 20 MB streamed upload and a 20 MB download arrive byte-exact (SHA-256)")]
    public async Task Large_bodies_stream_byte_exact()
    {
        const int size = 20 * 1024 * 1024;
        var payload = TestBackend.Payload(size);
        // Chunked and unbuffered: the edge must stream the body, not hold it.
        var upload = new StreamContent(new MemoryStream(payload), 64 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = upload };
        request.Headers.TransferEncodingChunked = true;
        using var uploaded = await _edge.Client.SendAsync(request);
        uploaded.EnsureSuccessStatusCode();
        Assert.Equal(Convert.ToHexString(SHA256.HashData(payload)), await uploaded.Content.ReadAsStringAsync());

        using var downloaded = await _edge.Client.GetAsync($"/download/{size}", HttpCompletionOption.ResponseHeadersRead);
        downloaded.EnsureSuccessStatusCode();
        Assert.Equal(size, downloaded.Content.Headers.ContentLength);
        await using var body = await downloaded.Content.ReadAsStreamAsync();
        Assert.Equal(SHA256.HashData(payload), await SHA256.HashDataAsync(body));
    }

    [Fact(DisplayName = "A backend's own 4xx/5xx answers are passed through as they are")]
    public async Task Backend_statuses_pass_through()
    {
        using var notFound = await _edge.Client.GetAsync("/status/404");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("backend-", await notFound.Content.ReadAsStringAsync());
        using var unavailable = await _edge.Client.GetAsync("/status/503");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Contains("backend-", await unavailable.Content.ReadAsStringAsync());
    }

    [Fact(DisplayName = "Malformed requests (raw socket garbage) get 400 from Kestrel and the edge keeps serving")]
    public async Task Garbage_gets_400()
    {
        foreach (var garbage in new[] { "GARBAGE\r\n\r\n", "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "\u0001\u0002\u0003 nonsense\r\n\r\n" })
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(_edge.Http);
            await socket.SendAsync(Encoding.Latin1.GetBytes(garbage));
            var buffer = new byte[1024];
            var read = await socket.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10));
            var status = Encoding.ASCII.GetString(buffer, 0, read);
            Assert.True(status.StartsWith("HTTP/1.1 400", StringComparison.Ordinal) || status.StartsWith("HTTP/1.1 505", StringComparison.Ordinal), $"{garbage.Trim()} → {status}");
        }
        using var ok = await _edge.Client.GetAsync("/documents/still-fine");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    private static async Task<string> RespGet(int port, string key)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        await socket.SendAsync(Encoding.UTF8.GetBytes($"*2\r\n$3\r\nGET\r\n${keyBytes}\r\n{key}\r\n"));
        var buffer = new byte[256];
        var text = "";
        while (!text.EndsWith("\r\n", StringComparison.Ordinal) || text.Split("\r\n").Length < 3)
            text += Encoding.UTF8.GetString(buffer, 0, await socket.ReceiveAsync(buffer));
        return text.Split("\r\n")[1];
    }
}
