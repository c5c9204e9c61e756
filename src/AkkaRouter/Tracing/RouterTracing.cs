using System.Diagnostics;
using AkkaRouter.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AkkaRouter.Tracing;

/// <summary>
/// The node's activity sources and span vocabulary, and the OpenTelemetry wiring that exports them
/// (akka-router.tracing, off by default).
/// </summary>
/// <remarks>
/// The sources are static and always exist; with tracing off the edge and the RESP server never ask them for an
/// activity (a readonly flag decides), so nothing is created, tagged or allocated per request.
/// </remarks>
public static class RouterTracing
{
    /// <summary>The HTTP edge's source: one span per forwarded request.</summary>
    public const string EdgeSourceName = "AkkaRouter.Edge";

    /// <summary>The RESP server's source: sampled GET lookups.</summary>
    public const string RespSourceName = "AkkaRouter.Resp";

    /// <summary>HttpClient's source (.NET): one client span per attempt, a child of the edge's span.</summary>
    public const string HttpClientSourceName = "System.Net.Http";

    public const string EdgeSpanName = "akkarouter.edge";
    public const string RespGetSpanName = "akkarouter.resp.get";
    public const string AttemptEvent = "attempt";

    // Span attributes.
    public const string KeyHash = "akkarouter.key.hash";
    public const string Owner = "akkarouter.owner";
    public const string Service = "akkarouter.service";
    public const string Route = "akkarouter.route";
    public const string RingScope = "akkarouter.ring.scope";
    public const string ZoneFallback = "akkarouter.zone_fallback";
    public const string Decision = "akkarouter.decision";
    public const string DecisionReason = "akkarouter.decision.reason";
    public const string Backend = "akkarouter.backend";
    public const string Attempts = "akkarouter.attempts";

    // Attempt event attributes.
    public const string AttemptBackend = "akkarouter.attempt.backend";
    public const string AttemptOutcome = "akkarouter.attempt.outcome";
    public const string AttemptDurationMs = "akkarouter.attempt.duration_ms";

    /// <summary>The decision of a request served by a backend after the first choice failed or was skipped.</summary>
    public const string FailoverDecision = "failover";

    private static readonly string Version = typeof(RouterTracing).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly ActivitySource Edge = new(EdgeSourceName, Version);
    public static readonly ActivitySource Resp = new(RespSourceName, Version);

    /// <summary>A ring position as RING.EXPLAIN prints it: 8 lowercase hex digits.</summary>
    public static string Position(ulong keyHash) => ((uint)(keyHash >> 32)).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Registers the tracer provider (started with the host) when tracing is on; nothing otherwise.</summary>
    public static IServiceCollection AddRouterTracing(this IServiceCollection services, RouterSettings settings)
    {
        var tracing = settings.Traces;
        if (!tracing.Enabled)
            return services;
        var instance = settings.Node.Id.Length > 0 ? settings.Node.Id : $"{settings.Remote.Hostname}:{settings.Remote.Port}";
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(tracing.ServiceName, serviceInstanceId: instance))
            .WithTracing(traces =>
            {
                traces.AddSource(EdgeSourceName, HttpClientSourceName);
                if (tracing.Resp)
                    traces.AddSource(RespSourceName);
                traces.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(tracing.SampleRatio)));
                traces.AddOtlpExporter(otlp =>
                {
                    otlp.Protocol = tracing.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    otlp.Endpoint = ExportUri(tracing);
                });
            });
        return services;
    }

    /// <summary>Where spans are posted: http-protobuf to a URL without a path goes to its /v1/traces.</summary>
    public static Uri ExportUri(TracingSettings tracing)
    {
        var uri = new Uri(tracing.OtlpEndpoint);
        if (tracing.Protocol == OtlpProtocol.HttpProtobuf && uri.AbsolutePath is "/" or "")
            return new Uri(uri, "/v1/traces");
        return uri;
    }
}
