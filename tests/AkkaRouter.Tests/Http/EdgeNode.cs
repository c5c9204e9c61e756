using System.Net;
using AkkaRouter.Hosting;
using AkkaRouter.Http;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Http;

/// <summary>A router node (production wiring) whose HTTP edge fronts the given static backends.</summary>
public sealed class EdgeNode : IAsyncDisposable
{
    private EdgeNode(InProcessNode node, HttpClient client)
    {
        Node = node;
        Client = client;
    }

    public InProcessNode Node { get; }
    public HttpClient Client { get; }
    public IPEndPoint Http => Listener("http");
    public BackendCircuits Circuits => Node.Host.Services.GetRequiredService<BackendCircuits>();
    public BackendLoads Loads => Node.Host.Services.GetRequiredService<BackendLoads>();

    public IPEndPoint Listener(string name) =>
        Node.Host.Services.GetRequiredService<ListenerRegistry>().Find(name) ?? throw new InvalidOperationException($"no {name} listener");

    /// <param name="expectedOwners">How many backends must own keys on the default service's ring before it returns (default: all).</param>
    public static async Task<EdgeNode> Start(IEnumerable<string> backends, string hocon = "", IReadOnlyList<double>? weights = null, int? expectedOwners = null)
    {
        var list = string.Join(", ", backends.Select((b, i) => weights is null
            ? $"{{ endpoint = \"{b}\" }}"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{ endpoint = \"{b}\", weight = {weights[i]} }}")));
        var staticBackends = list.Length == 0 ? "[]" : $"[ {list} ]";
        var node = await InProcessNode.Start($$"""
            akka-router.static-backends = {{staticBackends}}
            akka-router { resp.port = 0, http.port = 0, cmd.enabled = off, management.port = 0 }
            akka-router.logging.level = Warning
            # The edge's own failure handling is under test (dead and hung backends stay on the ring); a
            # spec about health checks turns them on in its own HOCON.
            akka-router.health-check.type = none
            {{hocon}}
            """);
        var expected = expectedOwners ?? backends.Count();
        await Eventually.True(() => node.Ring.Current.OwnerCount == expected, TimeSpan.FromSeconds(10), $"the {expected} static backends own keys");
        var bound = node.Host.Services.GetRequiredService<ListenerRegistry>().Find("http")!;
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{bound.Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        return new EdgeNode(node, client);
    }

    /// <summary>The node's /metrics, by "name{labels}".</summary>
    public async Task<Dictionary<string, double>> Metrics()
    {
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Listener("management").Port}") };
        return PrometheusText.Parse(await management.GetStringAsync("/metrics"));
    }

    /// <summary>The endpoint the node's ring names as the key's owner.</summary>
    public string OwnerOf(string key) => Node.Ring.Current.Owner(key)!.Endpoint;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Node.DisposeAsync();
    }
}
