using System.Text.Json;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Dashboard;

/// <summary>
/// The dashboard's data on the management port of a router with the production wiring: the state document, its
/// server-sent event stream, the ring as arcs and the key lookup, read with a real HTTP client.
/// </summary>
public sealed class DashboardApiSpecs(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "s3cret";
    private OperatedNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await OperatedNode.Start($$"""
            akka-router.health-check.type = none
            akka-router.management.token = "{{Token}}"
            akka-router.static-backends = [ { endpoint = "10.0.0.1:8081", id = cache-a, zone = z1 }, { endpoint = "10.0.0.2:8081", id = cache-b, zone = z2 },
                                            { endpoint = "10.0.0.3:8081", id = img-1, service = images } ]
            """);
        await Eventually.True(() => _node.Node.Ring.Current.OwnerCount == 2 && _node.Node.Ring.Find("images")?.Current.OwnerCount == 1,
            OperatedNode.Deadline, "both services own keys");
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private async Task<JsonElement> State()
    {
        using var document = JsonDocument.Parse(await _node.Management.GetStringAsync("/api/dashboard"));
        return document.RootElement.Clone();
    }

    [Fact(DisplayName = "GET / serves the dashboard page and its script from the node itself; /api/dashboard lists every service's backends, the router's own rings and agreement")]
    public async Task Page_and_state()
    {
        using var page = await _node.Management.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/dashboard.js", await page.Content.ReadAsStringAsync());
        using var script = await _node.Management.GetAsync("/dashboard.js");
        Assert.True(script.IsSuccessStatusCode);

        JsonElement state = default;
        await EventuallyAsync.True(async () => (state = await State()).TryGetProperty("routers", out var r) && r.GetArrayLength() == 1
            && r[0].GetProperty("services").GetArrayLength() == 2, OperatedNode.Deadline, "the router answered for its rings");
        var services = state.GetProperty("services").EnumerateArray().ToArray();
        Assert.Equal(["default", "images"], services.Select(s => s.GetProperty("name").GetString()));
        var backends = services[0].GetProperty("backends").EnumerateArray().ToArray();
        Assert.Equal(["cache-a", "cache-b"], backends.Select(b => b.GetProperty("id").GetString()));
        Assert.All(backends, b => Assert.Equal(("up", "closed"), (b.GetProperty("state").GetString(), b.GetProperty("circuit").GetString())));
        Assert.Equal(1.0, backends.Sum(b => b.GetProperty("share").GetDouble()), 6);
        var router = state.GetProperty("routers")[0];
        Assert.True(router.GetProperty("self").GetBoolean());
        Assert.Equal(services[0].GetProperty("checksum").GetString(), router.GetProperty("services")[0].GetProperty("checksum").GetString());
        Assert.True(state.GetProperty("agreement").GetProperty("agreed").GetBoolean());
    }

    [Fact(DisplayName = "The event stream sends the state at once, and a drain shows up as a new event with the backend draining within 2 s")]
    public async Task Stream_follows_a_drain()
    {
        using var client = new HttpClient { BaseAddress = _node.Management.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await client.GetAsync("/api/dashboard/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        async Task<JsonElement> NextState()
        {
            while (true)
            {
                var line = await reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("the stream ended");
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                    return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
            }
        }

        var first = await NextState();
        Assert.Equal(2, first.GetProperty("services").GetArrayLength());
        var drained = DateTime.UtcNow;
        Assert.Equal(200, (await _node.Send(HttpMethod.Post, "/api/backends/cache-a/drain", $"Bearer {Token}")).Status);
        JsonElement state;
        do
            state = await NextState();
        while (state.GetProperty("services")[0].GetProperty("backends")[0].GetProperty("state").GetString() != "draining");
        var took = DateTime.UtcNow - drained;
        output.WriteLine($"drain -> state stream: {took.TotalMilliseconds:0} ms");
        // The stream ticks every second; measured 280 ms on the shared, loaded 2-core machine.
        Assert.True(took < TimeSpan.FromSeconds(2), $"the drain reached the stream after {took.TotalMilliseconds:0} ms");
        var change = state.GetProperty("changes")[0];
        Assert.Equal("default", change.GetProperty("service").GetString());
        Assert.Contains("cache-a drained", change.GetProperty("reason").GetString());
    }

    [Fact(DisplayName = "The recent-changes list keeps what the page shows, not the rings: a replaced snapshot is collectable after the next changes")]
    public async Task Recent_changes_do_not_keep_old_rings()
    {
        // A snapshot holds a point table of about a megabyte; the list keeps 30 changes, so holding the rings in it
        // kept tens of megabytes alive in every node.
        var replaced = Snapshot();
        for (var i = 0; i < 3; i++)
        {
            var verb = i % 2 == 0 ? "drain" : "undrain";
            var before = _node.Node.Ring.Current.Version;
            Assert.Equal(200, (await _node.Send(HttpMethod.Post, $"/api/backends/cache-a/{verb}", $"Bearer {Token}")).Status);
            await EventuallyAsync.True(async () => (await State()).GetProperty("changes").EnumerateArray()
                .Any(c => c.GetProperty("service").GetString() == "default" && c.GetProperty("version").GetInt64() > before),
                OperatedNode.Deadline, $"the {verb} is in the dashboard's changes");
        }
        await EventuallyAsync.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return Task.FromResult(!replaced.TryGetTarget(out _));
        }, OperatedNode.Deadline, "the snapshot replaced three changes ago was collected");
    }

    // Not inlined, so no local of this frame keeps the snapshot reachable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private WeakReference<AkkaRouter.Ring.RingSnapshot> Snapshot() => new(_node.Node.Ring.Current);

    [Fact(DisplayName = "/api/dashboard/ring gives arcs covering the whole circle in the backends' proportions; /api/dashboard/key names the owner GET names")]
    public async Task Arcs_and_key()
    {
        using var document = JsonDocument.Parse(await _node.Management.GetStringAsync("/api/dashboard/ring"));
        var ring = document.RootElement;
        var segments = ring.GetProperty("segments").GetInt32();
        var arcs = ring.GetProperty("arcs").EnumerateArray().Select(a => (Start: a[0].GetInt32(), Length: a[1].GetInt32(), Owner: a[2].GetInt32())).ToArray();
        Assert.Equal(segments, arcs.Sum(a => a.Length));
        Assert.Equal(0, arcs[0].Start);
        Assert.All(arcs.Zip(arcs.Skip(1)), p => Assert.Equal(p.First.Start + p.First.Length, p.Second.Start));
        var ids = ring.GetProperty("backends").EnumerateArray().Select(b => b.GetString()).ToArray();
        Assert.Equal(["cache-a", "cache-b"], ids.Order());
        var shareA = (double)arcs.Where(a => ids[a.Owner] == "cache-a").Sum(a => a.Length) / segments;
        Assert.InRange(shareA, _node.Node.Ring.Current.ShareOf("cache-a") - 0.03, _node.Node.Ring.Current.ShareOf("cache-a") + 0.03);

        foreach (var key in new[] { "/documents/abc", "user:42", "ключ" })
        {
            using var answer = JsonDocument.Parse(await _node.Management.GetStringAsync($"/api/dashboard/key?key={Uri.EscapeDataString(key)}"));
            Assert.Equal(await _node.Resp("GET", key), answer.RootElement.GetProperty("owner").GetString());
            Assert.Equal(2, answer.RootElement.GetProperty("preference").GetArrayLength());
        }
        using var images = JsonDocument.Parse(await _node.Management.GetStringAsync("/api/dashboard/key?key=x&service=images"));
        Assert.Equal("10.0.0.3:8081", images.RootElement.GetProperty("owner").GetString());
        Assert.Equal(404, (int)(await _node.Management.GetAsync("/api/dashboard/ring?service=videos")).StatusCode);
    }
}
