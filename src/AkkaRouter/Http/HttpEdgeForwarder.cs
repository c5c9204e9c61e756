using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Ring;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

using AkkaRouter.Metrics;

namespace AkkaRouter.Http;

/// <summary>
/// The edge's request path: key → preference list → forward to the first admitted backend, moving on to the
/// next one when an attempt failed at the connection level before the body was read.
/// </summary>
/// <remarks>
/// Reads only immutable snapshots (ring, circuits) and tells outcomes to the edge actor: no request waits on an actor.
/// </remarks>
public sealed class HttpEdgeForwarder
{
    /// <summary>Response header naming the backend(s) tried, in order (akka-router.http.debug-headers = on).</summary>
    public const string BackendHeader = "X-AkkaRouter-Backend";

    // Keys up to this many UTF-8 bytes are hashed from the stack.
    private const int StackKeyBytes = 512;

    private readonly HttpEdgeSettings _settings;
    private readonly RingView _ring;
    private readonly BackendCircuits _circuits;
    private readonly IActorRef _edge;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _backends;
    private readonly HttpRouteTable _routes;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly int _candidates;
    private readonly HttpEdgeMetrics _metrics;

    public HttpEdgeForwarder(HttpEdgeSettings settings, RingView ring, BackendCircuits circuits, IActorRef edge, IHttpForwarder forwarder,
        HttpMessageInvoker backends, HttpEdgeMetrics metrics)
    {
        _metrics = metrics;
        _settings = settings;
        _ring = ring;
        _circuits = circuits;
        _edge = edge;
        _forwarder = forwarder;
        _backends = backends;
        _routes = new HttpRouteTable(settings.Routes);
        _candidates = settings.MaxAttempts * 2;
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = settings.RequestTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    /// <summary>Forwards one request, or answers it with a one-line plain-text error.</summary>
    public Task Handle(HttpContext context)
    {
        var ring = _ring.Current;
        if (!ring.HasOwners)
            return WriteError(context, StatusCodes.Status503ServiceUnavailable, "503 no backends in ring", null);
        var key = _routes.KeyOf(context.Request);
        if (key is null)
            return WriteError(context, StatusCodes.Status404NotFound, $"404 no route matches {context.Request.Method} {context.Request.Host}{context.Request.Path}", null);
        var candidates = ArrayPool<Backend?>.Shared.Rent(_candidates);
        var count = Preference(ring, key, candidates.AsSpan(0, Math.Min(_candidates, ring.Count)));
        return Forward(context, key, candidates, count);
    }

    private async Task Forward(HttpContext context, string key, Backend?[] candidates, int count)
    {
        RequestBodyProbe? body = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            context.Request.Body = body = new RequestBodyProbe(context.Request.Body);
        List<string>? failures = null;
        List<string>? tried = _settings.DebugHeaders ? new List<string>() : null;
        var attempts = 0;
        try
        {
            for (var i = 0; i < count && attempts < _settings.MaxAttempts; i++)
            {
                var backend = candidates[i]!;
                var state = _circuits.Find(backend.Endpoint);
                if (state is not null && !state.Admits())
                {
                    (failures ??= new()).Add($"{backend.Endpoint} circuit {(state.Phase == CircuitPhase.Open ? "open" : "half-open")}");
                    _metrics.Retry(backend.Endpoint);
                    continue;
                }
                attempts++;
                tried?.Add(backend.Endpoint);
                if (tried is not null)
                    context.Response.Headers[BackendHeader] = string.Join(", ", tried);

                var error = await _forwarder.SendAsync(context, state?.DestinationPrefix ?? "http://" + backend.Endpoint,
                    _backends, _requestConfig, ForwardedHeadersTransformer.Instance);
                if (error == ForwarderError.None)
                {
                    if (context.Response.StatusCode >= 500)
                        Report(backend, AttemptResult.Failed, $"HTTP {context.Response.StatusCode}");
                    else if (state is { Phase: CircuitPhase.Suspect or CircuitPhase.HalfOpen })
                        Report(backend, AttemptResult.Succeeded, "");
                    _metrics.Request(backend.Endpoint, context.Response.StatusCode);
                    return;
                }

                var cause = Describe(context.Features.Get<IForwarderErrorFeature>()?.Exception, error);
                var retryable = error == ForwarderError.Request && body?.Started != true && !context.Response.HasStarted
                    && !context.RequestAborted.IsCancellationRequested;
                Report(backend, IsClientSide(error) ? AttemptResult.Inconclusive : AttemptResult.Failed, cause);
                if (retryable)
                {
                    (failures ??= new()).Add($"{backend.Endpoint} {cause}");
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    _metrics.Retry(backend.Endpoint);
                    continue;
                }
                _metrics.Request(backend.Endpoint, context.Response.HasStarted ? context.Response.StatusCode : error == ForwarderError.RequestTimedOut ? 504 : 502);
                if (context.Response.HasStarted || IsClientSide(error))
                    return;
                if (error == ForwarderError.RequestTimedOut)
                    await WriteError(context, StatusCodes.Status504GatewayTimeout,
                        $"504 backend {backend.Endpoint} did not answer within {_settings.RequestTimeout.TotalSeconds:0.###}s for key '{Shorten(key)}'", tried);
                else
                    await WriteError(context, StatusCodes.Status502BadGateway,
                        $"502 backend {backend.Endpoint} failed for key '{Shorten(key)}': {cause}", tried);
                return;
            }
            _metrics.Request("none", StatusCodes.Status502BadGateway);
            await WriteError(context, StatusCodes.Status502BadGateway,
                $"502 no backend reachable for key '{Shorten(key)}': {(failures is null ? "no attempt left" : string.Join(", ", failures))}", tried);
        }
        finally
        {
            Array.Clear(candidates, 0, count);
            ArrayPool<Backend?>.Shared.Return(candidates);
        }
    }

    private void Report(Backend backend, AttemptResult result, string failure) =>
        _edge.Tell(new BackendOutcome(backend.Endpoint, result, failure));

    private static int Preference(RingSnapshot ring, string key, Span<Backend?> destination)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (maxBytes <= StackKeyBytes)
        {
            Span<byte> buffer = stackalloc byte[StackKeyBytes];
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return ring.PreferenceList(buffer[..length], destination);
        }
        return ring.PreferenceList(Encoding.UTF8.GetBytes(key), destination);
    }

    // Errors the client caused (went away, sent a broken body) say nothing about the backend's health.
    private static bool IsClientSide(ForwarderError error) => error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
        or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseCanceled
        or ForwarderError.UpgradeResponseClient;

    private string Describe(Exception? exception, ForwarderError error)
    {
        if (error == ForwarderError.RequestTimedOut)
            return $"timed out after {_settings.RequestTimeout.TotalSeconds:0.###}s";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.TimedOut => $"connect timed out after {_settings.ConnectTimeout.TotalSeconds:0.###}s",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.HostNotFound or SocketError.NoData => "host not found",
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
                    _ => socket.Message,
                };
            }
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded })
                return "connection closed before a response";
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse })
                return "invalid HTTP response";
        }
        return error switch
        {
            ForwarderError.ResponseBodyDestination => "connection closed mid-response",
            _ => exception?.GetBaseException().Message.Split('\n')[0] ?? error.ToString(),
        };
    }

    private static string Shorten(string key) => key.Length <= 200 ? key : key[..200] + "...";

    private static Task WriteError(HttpContext context, int status, string line, List<string>? tried)
    {
        var response = context.Response;
        if (response.HasStarted)
            return Task.CompletedTask;
        response.Clear();
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        if (tried is { Count: > 0 })
            response.Headers[BackendHeader] = string.Join(", ", tried);
        return response.WriteAsync(line + "\n");
    }
}
