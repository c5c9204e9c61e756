using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AkkaRouter.Http;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Http;

/// <summary>A TCP listener that accepts connections and never answers: a hung backend.</summary>
public sealed class HungBackend : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = new();
    private readonly CancellationTokenSource _stop = new();

    public HungBackend()
    {
        _listener.Start();
        _ = Accept();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>What reached it so far: connections accepted, and request bytes waiting unread on them.</summary>
    public (int Connections, int Bytes) Traffic
    {
        get
        {
            lock (_held)
                return (_held.Count, _held.Sum(s => { try { return s.Available; } catch (ObjectDisposedException) { return 0; } }));
        }
    }

    private async Task Accept()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held)
                    _held.Add(socket);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_held)
            _held.ForEach(s => s.Dispose());
    }
}

public class HttpFailureSpecs(ITestOutputHelper output)
{
    private static string KeyOwnedBy(EdgeNode edge, string endpoint, string prefix = "/documents/") =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}{i}").First(k => edge.OwnerOf(k) == endpoint);

    [Fact(DisplayName = "A backend killed under load fails no request: its requests move to the key's next backend")]
    public async Task Killed_backend_fails_no_request()
    {
        var backends = new List<TestBackend>();
        for (var i = 1; i <= 3; i++)
            backends.Add(await TestBackend.Start($"backend-{i}"));
        await using var edge = await EdgeNode.Start(backends.Select(b => b.Endpoint));
        try
        {
            var victim = backends[0];
            var failures = new List<string>();
            var completed = 0;
            using var stopLoad = new CancellationTokenSource();
            async Task Client(int id)
            {
                for (var n = 0; !stopLoad.IsCancellationRequested; n++)
                {
                    using var response = await edge.Client.GetAsync($"/documents/{id}-{n % 200}");
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        var body = await response.Content.ReadAsStringAsync();
                        lock (failures)
                            failures.Add($"{response.StatusCode}: {body}");
                    }
                    Interlocked.Increment(ref completed);
                }
            }
            var load = Enumerable.Range(0, 8).Select(Client).ToArray();
            await Eventually.True(() => Volatile.Read(ref completed) > 300, TimeSpan.FromSeconds(20), "load is flowing");
            await victim.Kill();
            var atKill = Volatile.Read(ref completed);
            await Eventually.True(() => Volatile.Read(ref completed) > atKill + 1000, TimeSpan.FromSeconds(30), "load keeps flowing after the kill");
            stopLoad.Cancel();
            await Task.WhenAll(load);
            Assert.Empty(failures);

            var owned = KeyOwnedBy(edge, victim.Endpoint);
            Assert.NotEqual(victim.Name, (await edge.Client.GetStringAsync(owned)).Split(' ')[0]);
        }
        finally
        {
            foreach (var backend in backends)
                await backend.DisposeAsync();
        }
    }

    [Fact(DisplayName = "A hung backend gets the client a 504 within request-timeout; its circuit opens and later requests skip it at once")]
    public async Task Hung_backend_times_out_and_opens_its_circuit()
    {
        using var hung = new HungBackend();
        await using var healthy = await TestBackend.Start("healthy");
        await using var edge = await EdgeNode.Start([hung.Endpoint, healthy.Endpoint], """
            akka-router.http { request-timeout = 1s, circuit-breaker { failure-threshold = 2, reset-timeout = 30s } }
            """);
        var key = KeyOwnedBy(edge, hung.Endpoint);
        for (var i = 0; i < 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await edge.Client.GetAsync(key);
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            output.WriteLine($"504 after {clock.Elapsed.TotalMilliseconds:0} ms (request-timeout 1 s)");
            // Not before the timeout; the upper bound only says it did not hang (measured 1.04 s and 1.66 s on the shared,
            // loaded 2-core machine: over 3 s of margin).
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
            Assert.Equal($"504 backend {hung.Endpoint} did not answer within 1s for key '{key}'\n", await response.Content.ReadAsStringAsync());
        }
        await Eventually.True(() => edge.Circuits.Find(hung.Endpoint)?.Phase == CircuitPhase.Open, TimeSpan.FromSeconds(5), "the hung backend's circuit opens");

        // Skipped means never tried: the hung backend sees no new connection and no request bytes. (A time bound
        // below the 1 s timeout said the same less directly, and a loaded machine can stretch any request.)
        var before = hung.Traffic;
        var skipped = Stopwatch.StartNew();
        using var moved = await edge.Client.GetAsync(key);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.StartsWith("healthy ", await moved.Content.ReadAsStringAsync());
        output.WriteLine($"past the open circuit in {skipped.Elapsed.TotalMilliseconds:0} ms; hung backend traffic before {before}, after {hung.Traffic}");
        Assert.Equal(before, hung.Traffic);
    }

    [Fact(DisplayName = "An open circuit half-opens after reset-timeout and one successful probe closes it")]
    public async Task Circuit_closes_after_a_successful_probe()
    {
        var flaky = await TestBackend.Start("flaky");
        var port = int.Parse(flaky.Endpoint.Split(':')[1]);
        await flaky.DisposeAsync();
        await using var other = await TestBackend.Start("other");
        await using var edge = await EdgeNode.Start([flaky.Endpoint, other.Endpoint], """
            akka-router.http.circuit-breaker { failure-threshold = 1, reset-timeout = 500ms }
            """);
        var key = KeyOwnedBy(edge, flaky.Endpoint);
        Assert.StartsWith("other ", await edge.Client.GetStringAsync(key));
        await Eventually.True(() => edge.Circuits.Find(flaky.Endpoint)?.Phase == CircuitPhase.Open, TimeSpan.FromSeconds(5), "circuit opens after a refused connect");

        await using var revived = await TestBackend.StartOn("flaky", port);
        await Eventually.True(() => edge.Circuits.Find(flaky.Endpoint)?.Phase == CircuitPhase.HalfOpen, TimeSpan.FromSeconds(5), "circuit half-opens");
        Assert.StartsWith("flaky ", await edge.Client.GetStringAsync(key));
        await Eventually.True(() => edge.Circuits.Find(flaky.Endpoint)?.Phase == CircuitPhase.Closed, TimeSpan.FromSeconds(5), "the probe closes the circuit");
    }

    [Fact(DisplayName = "A backend that closes mid-response gives that client a clean error and the edge keeps serving")]
    public async Task Backend_closing_mid_response()
    {
        await using var backend = await TestBackend.Start("breaks");
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        using var response = await edge.Client.GetAsync("/broken/1", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        backend.BreakResponses.SetResult();
        var failed = await Record.ExceptionAsync(() => response.Content.ReadAsByteArrayAsync());
        Assert.True(failed is HttpRequestException or IOException, $"expected a transport error, got {failed?.GetType().Name ?? "success"}");
        for (var i = 0; i < 5; i++)
            Assert.StartsWith("breaks GET /documents/", await edge.Client.GetStringAsync($"/documents/{i}"));
    }

    [Fact(DisplayName = "An empty ring answers 503 with a plain-text cause")]
    public async Task Empty_ring_is_503()
    {
        await using var edge = await EdgeNode.Start([]);
        using var response = await edge.Client.GetAsync("/documents/abc");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal("503 no backends in ring\n", await response.Content.ReadAsStringAsync());
    }

    [Fact(DisplayName = "All backends down answers 502 naming every backend tried and why")]
    public async Task All_backends_down_is_502()
    {
        var dead = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await using var backend = await TestBackend.Start($"gone-{i}");
            dead.Add(backend.Endpoint);
        }
        await using var edge = await EdgeNode.Start(dead, "akka-router.http.debug-headers = on");
        using var response = await edge.Client.GetAsync("/x");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var order = edge.Node.Ring.Current.PreferenceList("/x", 3).Select(b => b.Endpoint).ToArray();
        Assert.Equal($"502 no backend reachable for key '/x': {string.Join(", ", order.Select(e => e + " connection refused"))}\n",
            await response.Content.ReadAsStringAsync());
        Assert.Equal(string.Join(", ", order), response.Headers.GetValues(HttpEdgeForwarder.BackendHeader).Single());
    }

    [Fact(DisplayName = "Without debug-headers the response names no backend")]
    public async Task No_debug_header_by_default()
    {
        await using var backend = await TestBackend.Start("plain");
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        using var response = await edge.Client.GetAsync("/a");
        Assert.False(response.Headers.Contains(HttpEdgeForwarder.BackendHeader));
    }
}
