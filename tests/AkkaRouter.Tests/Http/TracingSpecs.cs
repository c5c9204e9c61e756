using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Ring;
using AkkaRouter.Tests.Support;
using AkkaRouter.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Tests.Http;

/// <summary>
/// Collects the edge's spans of one trace: each spec sends its own traceparent, so spans of nodes other specs run
/// in the same process are never counted.
/// </summary>
internal sealed class EdgeSpans : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public EdgeSpans()
    {
        TraceId = ActivityTraceId.CreateRandom();
        CallerSpan = ActivitySpanId.CreateRandom();
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RouterTracing.EdgeSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => { if (activity.TraceId == TraceId) Started++; },
            ActivityStopped = activity => { if (activity.TraceId == TraceId) _stopped.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ActivityTraceId TraceId { get; }
    public ActivitySpanId CallerSpan { get; }
    public int Started { get; private set; }
    public IReadOnlyList<Activity> Stopped => _stopped.ToArray();

    /// <summary>The W3C traceparent of the calling client (sampled).</summary>
    public string TraceParent => $"00-{TraceId}-{CallerSpan}-01";

    public HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("traceparent", TraceParent);
        return request;
    }

    public async Task<Activity> Single()
    {
        await Eventually.True(() => !_stopped.IsEmpty, TimeSpan.FromSeconds(5), "the edge's span stopped");
        return Assert.Single(Stopped);
    }

    public void Dispose() => _listener.Dispose();
}

public class TracingSpecs
{
    // Nothing listens on port 9 of the loopback: the exporter runs and fails quietly.
    private const string TracingOn = """
        akka-router.tracing { enabled = on, otlp-endpoint = "http://127.0.0.1:9" }
        """;

    private static string Tag(Activity activity, string name) => Assert.IsType<string>(activity.GetTagItem(name));

    private static IReadOnlyList<IReadOnlyDictionary<string, object?>> Attempts(Activity activity) =>
        activity.Events.Where(e => e.Name == RouterTracing.AttemptEvent).Select(e => (IReadOnlyDictionary<string, object?>)e.Tags.ToDictionary(t => t.Key, t => t.Value)).ToArray();

    private static string Position(string key) => ((uint)(RingSnapshot.KeyHash(Encoding.UTF8.GetBytes(key)) >> 32)).ToString("x8");

    [Fact(DisplayName = "Tracing: a forwarded request is one server span naming the key's ring position, its owner and the decision")]
    public async Task Span_names_owner_and_decision()
    {
        using var spans = new EdgeSpans();
        await using var a = await TestBackend.Start("a");
        await using var b = await TestBackend.Start("b");
        await using var edge = await EdgeNode.Start([a.Endpoint, b.Endpoint], TracingOn + "\nakka-router.http.debug-headers = on");
        using var response = await edge.Client.SendAsync(spans.Get("/documents/42"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var span = await spans.Single();
        Assert.Equal(RouterTracing.EdgeSpanName, span.OperationName);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal(spans.CallerSpan, span.ParentSpanId);
        Assert.Equal(edge.OwnerOf("/documents/42"), Tag(span, RouterTracing.Owner));
        Assert.Equal(Position("/documents/42"), Tag(span, RouterTracing.KeyHash));
        Assert.Equal("owner", Tag(span, RouterTracing.Decision));
        Assert.Equal("owner", Tag(span, RouterTracing.DecisionReason));
        Assert.Equal("default", Tag(span, RouterTracing.Service));
        Assert.Equal("default", Tag(span, RouterTracing.Route));
        Assert.Equal("all backends", Tag(span, RouterTracing.RingScope));
        Assert.Equal(edge.OwnerOf("/documents/42"), Tag(span, RouterTracing.Backend));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var attempt = Assert.Single(Attempts(span));
        Assert.Equal(edge.OwnerOf("/documents/42"), attempt[RouterTracing.AttemptBackend]);
        Assert.Equal("ok", attempt[RouterTracing.AttemptOutcome]);
        Assert.IsType<double>(attempt[RouterTracing.AttemptDurationMs]);

        // The headers are the same as without tracing; the backend gets the attempt's traceparent in the same trace.
        Assert.Equal(edge.OwnerOf("/documents/42"), response.Headers.GetValues(HttpEdgeForwarder.BackendHeader).Single());
        Assert.Equal("owner", response.Headers.GetValues(HttpEdgeForwarder.DecisionHeader).Single());
        var owner = edge.OwnerOf("/documents/42") == a.Endpoint ? a : b;
        var seen = Assert.Single(owner.Seen);
        Assert.StartsWith($"00-{spans.TraceId}-", seen.Headers["traceparent"]);
        Assert.DoesNotContain(spans.CallerSpan.ToString(), seen.Headers["traceparent"]);
    }

    [Fact(DisplayName = "Tracing: when ASP.NET Core's request activity exists, the edge span is its internal child")]
    public async Task Child_of_aspnetcore_request_activity()
    {
        using var spans = new EdgeSpans();
        var requests = new ConcurrentQueue<Activity>();
        using var aspnet = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.TraceId == spans.TraceId) requests.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(aspnet);
        await using var a = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([a.Endpoint], TracingOn);
        using var response = await edge.Client.SendAsync(spans.Get("/documents/1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var span = await spans.Single();
        Assert.Equal(ActivityKind.Internal, span.Kind);
        // The edge's request activity (the backend's Kestrel makes one too, later in the same trace).
        await Eventually.True(() => requests.Any(r => r.SpanId == span.ParentSpanId), TimeSpan.FromSeconds(5), "the edge's request activity stopped");
        var request = requests.First(r => r.SpanId == span.ParentSpanId);
        Assert.Equal(spans.CallerSpan, request.ParentSpanId);
        Assert.Equal("owner", Tag(span, RouterTracing.Decision));
    }

    [Fact(DisplayName = "Tracing: a dead owner gives two attempt events and the decision failover after connect error")]
    public async Task Dead_owner_is_failover()
    {
        string dead;
        await using (var gone = await TestBackend.Start("gone"))
            dead = gone.Endpoint;
        using var spans = new EdgeSpans();
        await using var live = await TestBackend.Start("live");
        await using var edge = await EdgeNode.Start([dead, live.Endpoint], TracingOn);
        var key = Enumerable.Range(0, 10_000).Select(i => $"/documents/{i}").First(k => edge.OwnerOf(k) == dead);
        using var response = await edge.Client.SendAsync(spans.Get(key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var span = await spans.Single();
        Assert.Equal(dead, Tag(span, RouterTracing.Owner));
        Assert.Equal(RouterTracing.FailoverDecision, Tag(span, RouterTracing.Decision));
        Assert.Equal($"failover after connect error (connection refused) on {dead}", Tag(span, RouterTracing.DecisionReason));
        Assert.Equal(live.Endpoint, Tag(span, RouterTracing.Backend));
        Assert.Equal(2, span.GetTagItem(RouterTracing.Attempts));
        var attempts = Attempts(span);
        Assert.Equal(2, attempts.Count);
        Assert.Equal((dead, "connection refused"), ((string)attempts[0][RouterTracing.AttemptBackend]!, (string)attempts[0][RouterTracing.AttemptOutcome]!));
        Assert.Equal((live.Endpoint, "ok"), ((string)attempts[1][RouterTracing.AttemptBackend]!, (string)attempts[1][RouterTracing.AttemptOutcome]!));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact(DisplayName = "Tracing: a 502 to the client sets the span's status to error")]
    public async Task Bad_gateway_is_an_error_span()
    {
        string dead;
        await using (var gone = await TestBackend.Start("gone"))
            dead = gone.Endpoint;
        using var spans = new EdgeSpans();
        await using var edge = await EdgeNode.Start([dead], TracingOn);
        using var response = await edge.Client.SendAsync(spans.Get("/x"));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var span = await spans.Single();
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(502, span.GetTagItem("http.response.status_code"));
        Assert.Equal("connection refused", Assert.Single(Attempts(span))[RouterTracing.AttemptOutcome]);
    }

    [Fact(DisplayName = "Tracing: a balancing route's decision is its policy, with no owner")]
    public async Task Policy_route_decision()
    {
        using var spans = new EdgeSpans();
        await using var a = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([a.Endpoint], TracingOn + "\nakka-router.http.routes = [ { policy = round-robin } ]");
        using var response = await edge.Client.SendAsync(spans.Get("/any"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var span = await spans.Single();
        Assert.Equal("round-robin", Tag(span, RouterTracing.Decision));
        Assert.Equal("policy round-robin", Tag(span, RouterTracing.DecisionReason));
        Assert.Null(span.GetTagItem(RouterTracing.Owner));
        Assert.Equal(0, span.GetTagItem(RouterTracing.Route));
    }

    [Fact(DisplayName = "Tracing off: the edge creates no activity even when something listens to its source, and sends no traceparent")]
    public async Task Off_creates_no_activity()
    {
        using var spans = new EdgeSpans();
        await using var a = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([a.Endpoint]);
        using var response = await edge.Client.SendAsync(spans.Get("/documents/1"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Task.Delay(200);
        Assert.Equal(0, spans.Started);
        Assert.Empty(spans.Stopped);
        // The client's own traceparent passes through untouched.
        Assert.Equal(spans.TraceParent, Assert.Single(a.Seen).Headers["traceparent"]);
    }

    [Fact(DisplayName = "Tracing: spans reach an OTLP/HTTP receiver with the configured service name")]
    public async Task Exported_over_otlp_http()
    {
        await using var receiver = await OtlpReceiver.Start();
        using var spans = new EdgeSpans();
        await using var a = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([a.Endpoint], $$"""
            akka-router.tracing { enabled = on, protocol = http-protobuf, otlp-endpoint = "http://{{receiver.Endpoint}}", service-name = "akkarouter-spec" }
            """);
        using var response = await edge.Client.SendAsync(spans.Get("/documents/7"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceId = Convert.FromHexString(spans.TraceId.ToHexString());
        // The batch exporter sends every 5 s.
        await Eventually.True(() => receiver.Posts.Any(p => Contains(p, traceId)), TimeSpan.FromSeconds(20), "a POST to /v1/traces carries the trace");
        var post = receiver.Posts.First(p => Contains(p, traceId));
        Assert.True(Contains(post, "akkarouter-spec"u8.ToArray()));
        Assert.True(Contains(post, Encoding.UTF8.GetBytes(RouterTracing.EdgeSpanName)));
        Assert.True(Contains(post, Encoding.UTF8.GetBytes(RouterTracing.KeyHash)));
    }

    [Fact(DisplayName = "Tracing: with resp-sample-every = 3, every third GET of a connection is a span naming the key's position and owner")]
    public async Task Resp_gets_are_sampled()
    {
        // Only named by lookups, never connected to; held so nothing else can listen there meanwhile.
        using var backendPort = new ReservedPort();
        var backend = backendPort.Endpoint;
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RouterTracing.RespSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.GetTagItem(RouterTracing.Owner) as string == backend) spans.Enqueue(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var edge = await EdgeNode.Start([backend], TracingOn + "\nakka-router.tracing.resp-sample-every = 3");
        await using var client = await RawRespClient.Connect(edge.Listener("resp").Port);
        for (var i = 0; i < 9; i++)
            Assert.Equal(backend, await client.Command("GET", $"key-{i}") as string);
        await Eventually.True(() => spans.Count == 3, TimeSpan.FromSeconds(5), "three GET spans");
        Assert.Equal(new[] { "key-2", "key-5", "key-8" }.Select(Position), spans.Select(a => Tag(a, RouterTracing.KeyHash)));
        Assert.All(spans, a => Assert.Equal((RouterTracing.RespGetSpanName, ActivityKind.Server), (a.OperationName, a.Kind)));
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Fact(DisplayName = "Tracing settings: off by default; protocol, ratio and RESP sampling read and checked")]
    public void Settings()
    {
        var defaults = RouterSettingsReader.Read(RouterConfig.FromText(""));
        Assert.False(defaults.Traces.Enabled);
        Assert.Equal(("http://127.0.0.1:4317", OtlpProtocol.Grpc, 1.0, 0, "akkarouter"),
            (defaults.Traces.OtlpEndpoint, defaults.Traces.Protocol, defaults.Traces.SampleRatio, defaults.Traces.RespSampleEvery, defaults.Traces.ServiceName));

        var on = RouterSettingsReader.Read(RouterConfig.FromText("""
            akka-router.tracing { enabled = on, protocol = http-protobuf, otlp-endpoint = "http://collector:4318", sample-ratio = 0.25, resp-sample-every = 100 }
            """)).Traces;
        Assert.True(on.Enabled && on.Edge && on.Resp);
        Assert.Equal(new Uri("http://collector:4318/v1/traces"), RouterTracing.ExportUri(on));
        Assert.Equal(0.25, on.SampleRatio);

        Assert.Equal("akka-router.tracing.protocol", Fails("akka-router.tracing.protocol = thrift").Key);
        Assert.Equal("akka-router.tracing.otlp-endpoint", Fails("akka-router.tracing.otlp-endpoint = \"collector:4317\"").Key);
        Assert.Equal("akka-router.tracing.sample-ratio", Fails("akka-router.tracing.sample-ratio = 2").Key);
        Assert.Equal("akka-router.tracing.resp-sample-every", Fails("akka-router.tracing.resp-sample-every = -1").Key);
        Assert.Equal("akka-router.tracing.service-name", Fails("akka-router.tracing.service-name = \"\"").Key);
    }

    private static ConfigurationError Fails(string hocon) =>
        Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText(hocon)));
}

/// <summary>A minimal OTLP/HTTP receiver: keeps the body of every POST to /v1/traces and answers 200.</summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";
    public ConcurrentQueue<byte[]> Posts { get; } = new();

    public static async Task<OtlpReceiver> Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Posts.Enqueue(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        receiver.Endpoint = $"127.0.0.1:{address.Port}";
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
