using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Akka.Cluster;
using AkkaRouter.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Support;

/// <summary>One backend as RING.NODES lists it: its field/value pairs.</summary>
public sealed record RingNode(IReadOnlyDictionary<string, string> Fields)
{
    public string Id => Fields["id"];
    public string Endpoint => Fields["endpoint"];
    public string State => Fields["state"];
    public string Weight => Fields["weight"];
    public string EffectiveWeight => Fields["effective-weight"];
    public double Share => double.Parse(Fields["share"], CultureInfo.InvariantCulture);
    public string Reason => Fields["reason"];

    public override string ToString() => string.Join(", ", Fields.Select(f => $"{f.Key}={f.Value}"));
}

/// <summary>
/// A router node started in-process with the production wiring, every listener on a free port of 127.0.0.1, and the
/// faces an operator uses on it as real clients: the RESP port (RING.NODES, DBSIZE, GET), the command palette (RESP
/// framing) and the management HTTP API.
/// </summary>
public sealed class OperatedNode : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private OperatedNode(InProcessNode node, ListenerRegistry listeners)
    {
        Node = node;
        RespPort = listeners.Find("resp")!.Port;
        CmdPort = listeners.Find("cmd")!.Port;
        Management = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{listeners.Find("management")!.Port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public InProcessNode Node { get; }
    public int RespPort { get; }
    public int CmdPort { get; }

    /// <summary>A client of the management HTTP API (no Authorization header unless a request adds one).</summary>
    public HttpClient Management { get; }

    /// <summary>Starts a node from <paramref name="hocon"/> and waits until it is an Up member with every listener bound.</summary>
    public static async Task<OperatedNode> Start(string hocon)
    {
        var node = await InProcessNode.Start("akka-router.logging.level = Warning\n" + hocon);
        try
        {
            var listeners = node.Host.Services.GetRequiredService<ListenerRegistry>();
            await Eventually.True(() => new[] { "resp", "cmd", "management" }.All(l => listeners.Find(l) is not null), Deadline,
                "the RESP, palette and management listeners are bound");
            await Eventually.True(() => Akka.Cluster.Cluster.Get(node.System).SelfMember.Status == MemberStatus.Up, Deadline, "the node is Up");
            return new OperatedNode(node, listeners);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>One command on a fresh connection to the RESP port.</summary>
    public async Task<object?> Resp(params string[] args)
    {
        await using var client = await RawRespClient.Connect(RespPort);
        return await client.Command(args);
    }

    /// <summary>RING.NODES through a real RESP client, by id.</summary>
    public async Task<IReadOnlyDictionary<string, RingNode>> RingNodes()
    {
        var reply = Assert.IsType<object?[]>(await Resp("RING.NODES"));
        var nodes = new Dictionary<string, RingNode>(StringComparer.Ordinal);
        foreach (var item in reply)
        {
            var pairs = Assert.IsType<object?[]>(item);
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < pairs.Length; i += 2)
                fields[(string)pairs[i]!] = (string)pairs[i + 1]!;
            var node = new RingNode(fields);
            nodes[node.Id] = node;
        }
        return nodes;
    }

    public async Task<long> DbSize() => Assert.IsType<long>(await Resp("DBSIZE"));

    /// <summary>MGET of <paramref name="keys"/>: each key's owner as the RESP port answers it.</summary>
    public async Task<string[]> Owners(IReadOnlyList<string> keys)
    {
        var reply = Assert.IsType<object?[]>(await Resp(["MGET", .. keys]));
        return reply.Select(o => Assert.IsType<string>(o)).ToArray();
    }

    /// <summary>GET /api/ring's backends by id, with the document's top-level fields.</summary>
    public async Task<(JsonElement Ring, IReadOnlyDictionary<string, JsonElement> Backends)> ApiRing()
    {
        using var response = await Management.GetAsync("/api/ring");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var ring = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        var backends = ring.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("id").GetString()!, b => b, StringComparer.Ordinal);
        return (ring, backends);
    }

    /// <summary>/metrics, parsed strictly.</summary>
    public async Task<Dictionary<string, double>> Metrics() => PrometheusText.Parse(await Management.GetStringAsync("/metrics"));

    /// <summary>A mutating management request with an optional Authorization header value.</summary>
    public async Task<(int Status, string Body)> Send(HttpMethod method, string path, string? authorization, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null)
            request.Content = new StringContent(body, new MediaTypeHeaderValue("text/plain"));
        using var response = await Management.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>One palette command on a fresh connection to the palette port: its text, or a <see cref="RespErrorReply"/>.</summary>
    public async Task<object?> Palette(params string[] args)
    {
        await using var client = await RawRespClient.Connect(CmdPort);
        return await client.Command(args);
    }

    /// <summary>Waits until RING.NODES satisfies <paramref name="condition"/>; returns the nodes that did.</summary>
    public async Task<IReadOnlyDictionary<string, RingNode>> WaitForNodes(Func<IReadOnlyDictionary<string, RingNode>, bool> condition, string what)
    {
        IReadOnlyDictionary<string, RingNode> last = new Dictionary<string, RingNode>();
        try
        {
            await EventuallyAsync.True(async () => condition(last = await RingNodes()), Deadline, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; RING.NODES was:\n  {string.Join("\n  ", last.Values)}", e);
        }
        return last;
    }

    /// <summary>
    /// Waits until /metrics satisfies <paramref name="condition"/>; returns the metrics that did. The per-backend gauges
    /// follow a ring change through the event stream, a moment after RING.NODES already answers from the new ring.
    /// </summary>
    public async Task<Dictionary<string, double>> WaitForMetrics(Func<Dictionary<string, double>, bool> condition, string what)
    {
        var last = new Dictionary<string, double>();
        try
        {
            await EventuallyAsync.True(async () => condition(last = await Metrics()), Deadline, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; akkarouter_backend_* was:\n  " +
                string.Join("\n  ", last.Where(m => m.Key.StartsWith("akkarouter_backend_", StringComparison.Ordinal)).Select(m => $"{m.Key} {m.Value}")), e);
        }
        return last;
    }

    public async ValueTask DisposeAsync()
    {
        Management.Dispose();
        await Node.DisposeAsync();
    }
}
