using System.Globalization;
using System.Net;
using AkkaRouter.Hosting;
using AkkaRouter.Ring;
using AkkaRouter.Tests.Http;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace AkkaRouter.Tests.Services;

/// <summary>
/// Several services on one router: static backends in `default` and `images`, each service on its own ring, reached
/// through GET (default), RING.GET and the RING.* service arguments with raw RESP, redis-cli and StackExchange.Redis,
/// the palette, /api/ring and an HTTP route naming its service.
/// </summary>
public sealed class ServiceSpecs : IAsyncLifetime
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 300).Select(i => $"/documents/{i}")];

    private readonly List<TestBackend> _documents = [];
    private readonly List<TestBackend> _images = [];
    private OperatedNode _node = null!;

    public async Task InitializeAsync()
    {
        foreach (var name in new[] { "doc-1", "doc-2" })
            _documents.Add(await TestBackend.Start(name));
        foreach (var name in new[] { "img-1", "img-2", "img-3" })
            _images.Add(await TestBackend.Start(name));
        var entries = _documents.Select(b => $"{{ endpoint = \"{b.Endpoint}\" }}")
            .Concat(_images.Select(b => $"{{ endpoint = \"{b.Endpoint}\", service = images }}"));
        _node = await OperatedNode.Start($$"""
            akka-router.health-check { interval = 200ms, timeout = 100ms, rise = 1, fall = 2 }
            akka-router.static-backends = [ {{string.Join(", ", entries)}} ]
            akka-router.http { debug-headers = on, routes = [ { path = "^/images/", service = images }, { } ] }
            """);
        await Eventually.True(() => _node.Node.Ring.Find("images")?.Current.OwnerCount == 3 && _node.Node.Ring.Current.OwnerCount == 2,
            OperatedNode.Deadline, "both services' backends own keys");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        foreach (var backend in _documents.Concat(_images))
            await backend.DisposeAsync();
    }

    private RingSnapshot Images => _node.Node.Ring.Find("images")!.Current;

    private string[] Endpoints(IEnumerable<TestBackend> backends) => [.. backends.Select(b => b.Endpoint)];

    [Fact(DisplayName = "GET answers from the default service's ring only; RING.GET images KEY answers from the images ring only, as the ring computes it")]
    public async Task Get_and_ring_get_answer_from_their_service()
    {
        await using var client = await RawRespClient.Connect(_node.RespPort);
        var defaultOwners = new List<string>();
        var imageOwners = new List<string>();
        foreach (var key in Keys)
        {
            defaultOwners.Add(Assert.IsType<string>(await client.Command("GET", key)));
            imageOwners.Add(Assert.IsType<string>(await client.Command("RING.GET", "images", key)));
            Assert.Equal(Images.Owner(key)!.Endpoint, imageOwners[^1]);
        }
        Assert.Equal(Endpoints(_documents).Order(), defaultOwners.Distinct().Order());
        Assert.Equal(Endpoints(_images).Order(), imageOwners.Distinct().Order());
        for (var i = 0; i < 20; i++)
            Assert.Equal(defaultOwners[i], await client.Command("RING.GET", "default", Keys[i]));
        Assert.Equal(2L, await client.Command("DBSIZE"));
    }

    [Fact(DisplayName = "An unknown service answers an error naming the known ones; the connection keeps serving")]
    public async Task Unknown_service_is_an_error()
    {
        await using var client = await RawRespClient.Connect(_node.RespPort);
        Assert.Equal(new RespErrorReply("ERR unknown service 'videos' (known: default, images)"), await client.Command("RING.GET", "videos", "/a"));
        Assert.Equal(new RespErrorReply("ERR unknown service 'videos' (known: default, images)"), await client.Command("RING.INFO", "videos"));
        Assert.Equal(new RespErrorReply("ERR unknown service 'videos' (known: default, images)"), await client.Command("RING.LOOKUP", "/a", "2", "videos"));
        Assert.IsType<string>(await client.Command("GET", "/a"));
    }

    [Fact(DisplayName = "Each service has its own ring: RING.INFO and RING.SERVICES give each its version, members and checksum; RING.NODES images lists its backends with service=images")]
    public async Task Each_service_has_its_own_ring()
    {
        await using var client = await RawRespClient.Connect(_node.RespPort);
        var info = Fields(await client.Command("RING.INFO"));
        var images = Fields(await client.Command("RING.INFO", "images"));
        Assert.Equal(("2", "3"), (info["members"], images["members"]));
        Assert.Equal(_node.Node.Ring.Current.Checksum.ToString("x16", CultureInfo.InvariantCulture), info["checksum"]);
        Assert.Equal(Images.Checksum.ToString("x16", CultureInfo.InvariantCulture), images["checksum"]);
        Assert.NotEqual(info["checksum"], images["checksum"]);

        var services = Assert.IsType<object?[]>(await client.Command("RING.SERVICES")).Select(Fields).ToArray();
        Assert.Equal(["default", "images"], services.Select(s => s["name"]));
        Assert.Equal((info["checksum"], "2", "2"), (services[0]["checksum"], services[0]["members"], services[0]["owners"]));
        Assert.Equal((images["checksum"], "3", "3"), (services[1]["checksum"], services[1]["members"], services[1]["owners"]));

        var nodes = Assert.IsType<object?[]>(await client.Command("RING.NODES", "images")).Select(Fields).ToArray();
        Assert.Equal(Endpoints(_images).Order(), nodes.Select(n => n["endpoint"]).Order());
        Assert.All(nodes, n => Assert.Equal("images", n["service"]));
        Assert.Equal(1.0, nodes.Sum(n => double.Parse(n["share"], CultureInfo.InvariantCulture)), 3);
        var defaults = Assert.IsType<object?[]>(await client.Command("RING.NODES")).Select(Fields).ToArray();
        Assert.All(defaults, n => Assert.Equal("default", n["service"]));

        var lookup = Assert.IsType<object?[]>(await client.Command("RING.LOOKUP", "/a", "3", "images"));
        Assert.Equal(Images.PreferenceList("/a", 3).Select(b => b.Endpoint), lookup.Cast<string>());
        var explain = Fields(await client.Command("RING.EXPLAIN", "/a", "images"));
        Assert.Equal(Images.Owner("/a")!.Endpoint, explain["owner"]);
    }

    [Fact(DisplayName = "redis-cli RING.GET images KEY and StackExchange.Redis Execute(\"RING.GET\", \"images\", key) print the images owner")]
    public async Task Real_clients_ask_for_a_service()
    {
        var result = await ToolProcess.RedisCli(_node.RespPort, "RING.GET", "images", "/documents/7");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Images.Owner("/documents/7")!.Endpoint], result.Lines);

        await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_node.RespPort}");
        var db = mux.GetDatabase();
        foreach (var key in Keys.Take(20))
        {
            Assert.Equal(Images.Owner(key)!.Endpoint, (string?)await db.ExecuteAsync("RING.GET", "images", key));
            Assert.Equal(_node.Node.Ring.Current.Owner(key)!.Endpoint, (string?)await db.StringGetAsync(key));
        }
    }

    [Fact(DisplayName = "An HTTP route naming service = images forwards to the key's owner on the images ring; other paths go to the default service")]
    public async Task Route_uses_its_service()
    {
        var port = _node.Node.Host.Services.GetRequiredService<ListenerRegistry>().Find("http")!.Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var imageNames = _images.ToDictionary(b => b.Endpoint, b => b.Name);
        var documentNames = _documents.ToDictionary(b => b.Endpoint, b => b.Name);
        for (var i = 0; i < 40; i++)
        {
            using var image = await http.GetAsync($"/images/{i}.png");
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal(imageNames[Images.Owner($"/images/{i}.png")!.Endpoint], image.Headers.GetValues(TestBackend.ServedBy).Single());
            using var document = await http.GetAsync($"/documents/{i}");
            Assert.Equal(HttpStatusCode.OK, document.StatusCode);
            Assert.Equal(documentNames[_node.Node.Ring.Current.Owner($"/documents/{i}")!.Endpoint], document.Headers.GetValues(TestBackend.ServedBy).Single());
        }
    }

    [Fact(DisplayName = "The palette's ring show lists every service (the default first), ring show -s images only the images ring; /api/ring has a services array")]
    public async Task Palette_and_api_show_every_service()
    {
        var show = Assert.IsType<string>(await _node.Palette("ring", "show"));
        Assert.StartsWith("Ring v", show);
        Assert.Contains("Service images: Ring v", show);
        Assert.All(Endpoints(_documents.Concat(_images)), e => Assert.Contains(e, show));
        var only = Assert.IsType<string>(await _node.Palette("ring", "show", "-s", "images"));
        Assert.StartsWith("Service images: Ring v", only);
        Assert.All(Endpoints(_images), e => Assert.Contains(e, only));
        Assert.All(Endpoints(_documents), e => Assert.DoesNotContain(e, only));
        var lookup = Assert.IsType<string>(await _node.Palette("ring", "lookup", "-k", "/x", "-s", "images"));
        Assert.StartsWith($"/x -> {Images.Owner("/x")!.Endpoint}", lookup);
        Assert.Contains("unknown service 'videos'", Assert.IsType<RespErrorReply>(await _node.Palette("ring", "show", "-s", "videos")).Message);

        using var document = System.Text.Json.JsonDocument.Parse(await _node.Management.GetStringAsync("/api/ring"));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("members").GetInt32());
        var services = root.GetProperty("services").EnumerateArray().ToArray();
        Assert.Equal(["default", "images"], services.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(Images.Checksum.ToString("x16", CultureInfo.InvariantCulture), services[1].GetProperty("checksum").GetString());
        Assert.All(services[1].GetProperty("backends").EnumerateArray(), b => Assert.Equal("images", b.GetProperty("service").GetString()));
    }

    private static Dictionary<string, string> Fields(object? reply)
    {
        var items = Assert.IsType<object?[]>(reply);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i += 2)
                    {
            if (items[i + 1] is not object?[])
                fields[(string)items[i]!] = items[i + 1] switch { long n => n.ToString(CultureInfo.InvariantCulture), var v => (string)v! };
        }
        return fields;
    }
}
