using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akka.Actor;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Placement;
using AkkaRouter.Placement.Balancing;
using AkkaRouter.Ring;
using AkkaRouter.Tracing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

using AkkaRouter.Metrics;

namespace AkkaRouter.Http;

/// <summary>
/// The edge's request path: key → preference list → forward to the first admitted backend, moving on to the
/// next one when an attempt failed at the connection level before the body was read. With bounded loads the first
/// attempt goes to the first backend of the list under its load limit instead of the owner.
/// </summary>
/// <remarks>
/// Reads only immutable snapshots (ring, circuits, load counters) and tells outcomes to the edge actor: no request
/// waits on an actor.
/// </remarks>
public sealed class HttpEdgeForwarder
{
    /// <summary>Response header naming the backend(s) tried, in order (akka-router.http.debug-headers = on).</summary>
    public const string BackendHeader = "X-AkkaRouter-Backend";

    /// <summary>Response header saying whether bounded loads passed a backend over: <see cref="OwnerDecision"/> or <see cref="SpillDecision"/> (debug-headers = on).</summary>
    public const string DecisionHeader = "X-AkkaRouter-Decision";

    public const string OwnerDecision = "owner";
    public const string SpillDecision = "spill";

    // A balancing route's decision is its policy's name (round-robin, least-requests, random).
    private static readonly string[] PolicyDecisions = BalancingPolicies.Names.ToArray();

    // Keys up to this many UTF-8 bytes are hashed from the stack.
    private const int StackKeyBytes = 512;

    // Candidates whose loads are compared from the stack (2 x max-attempts with the default of 3 is 6).
    private const int StackCandidates = 16;

    private readonly HttpEdgeSettings _settings;
    private readonly RingView _ring;
    private readonly BackendCircuits _circuits;
    // Null when neither bounded loads nor a least-requests route needs in-flight counts: then nothing is counted.
    private readonly BackendLoads? _loads;
    private readonly bool _bounded;
    // Per route (position in the settings): its balancer, null for consistent-hash routes.
    private readonly RouteBalancer?[] _balancers;
    private readonly RequestAdmission _admission;
    // Per route (position in the settings): the ring of its service; requests no route names use the default's.
    private readonly ServiceRing[] _routeRings;
    private readonly IActorRef _edge;
    private readonly IHttpForwarder _forwarder;
    // Null when akka-router.http.forwarder = yarp or tracing is on (YARP's client propagates the trace context).
    private readonly Upstream.DirectForwarder? _direct;
    private readonly HttpMessageInvoker _backends;
    private readonly HttpRouteTable _routes;
    private readonly ForwarderRequestConfig _requestConfig;
    private readonly int _candidates;
    private readonly HttpEdgeMetrics _metrics;
    // akka-router.tracing.enabled: off, no request asks the activity source for a span.
    private readonly bool _tracing;

    public HttpEdgeForwarder(HttpEdgeSettings settings, RingView ring, BackendCircuits circuits, BackendLoads loads, IActorRef edge,
        IHttpForwarder forwarder, HttpMessageInvoker backends, HttpEdgeMetrics metrics, TracingSettings? tracing = null,
        Upstream.DirectForwarder? direct = null)
    {
        _direct = direct;
        _metrics = metrics;
        _tracing = tracing?.Edge == true;
        _settings = settings;
        _ring = ring;
        _circuits = circuits;
        _bounded = settings.BalanceFactor != BoundedLoad.Off;
        _loads = _bounded || settings.Routes.Any(r => r.Policy == BalancingPolicy.LeastRequests) ? loads : null;
        _routeRings = settings.Routes.Select(r => ring.Service(r.Service)).ToArray();
        _admission = new RequestAdmission(settings);
        _balancers = settings.Routes.Select(r => r.Policy == BalancingPolicy.ConsistentHash ? null : new RouteBalancer(r.Policy, circuits, loads)).ToArray();
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
        // These refusals close the connection: whatever follows on it is never read as a request.
        if (RequestAdmission.AmbiguousFraming(context.Request) is { } ambiguous)
            return WriteError(context, StatusCodes.Status400BadRequest, ambiguous, null, null, close: true);
        var key = _routes.Match(context.Request, out var route);
        if (key is null)
            return WriteError(context, StatusCodes.Status404NotFound, $"404 no route matches {context.Request.Method} {context.Request.Host}{context.Request.Path}", null, null);
        if (_admission.OverBodyLimit(context, route) is { } tooLarge)
            return WriteError(context, StatusCodes.Status413PayloadTooLarge, tooLarge, null, null, close: true);
        var service = route >= 0 ? _routeRings[route] : _ring.Default;
        var ring = service.Current;
        if (!ring.HasOwners)
            return WriteError(context, StatusCodes.Status503ServiceUnavailable,
                ReferenceEquals(service, _ring.Default) ? "503 no backends in ring" : $"503 no backends in the ring of service {service.Name}", null, null);
        var candidates = ArrayPool<Backend?>.Shared.Rent(_candidates);
        if (route >= 0 && _balancers[route] is { } balancer)
        {
            var picked = balancer.Candidates(ring, candidates.AsSpan(0, Math.Min(_candidates, ring.Count)));
            return Forward(context, key, candidates, picked, 0, PolicyDecisions[(int)balancer.Policy], _settings.BackendTlsFor(route), route, service, null);
        }
        if (!_bounded)
        {
            // The owner alone: the rest of the key's preference list is looked up only when an attempt moves on (a
            // profile of the edge under load had the full list's walk at 2% of its samples).
            candidates[0] = ring.Owner(key);
            return Forward(context, key, candidates, 1, 0, OwnerDecision, _settings.BackendTlsFor(route), route, service, ring);
        }
        var count = Preference(ring, key, candidates.AsSpan(0, Math.Min(_candidates, ring.Count)));
        var (first, spilled) = Balance(_loads!, ring, candidates, count);
        return Forward(context, key, candidates, count, first, spilled ? SpillDecision : OwnerDecision, _settings.BackendTlsFor(route), route, service, null);
    }

    // Bounded loads: which candidate the first attempt goes to, and whether one over its limit was passed over for it
    // (an open circuit is skipped, not spilled over).
    private (int First, bool Spilled) Balance(BackendLoads loads, RingSnapshot ring, Backend?[] candidates, int count)
    {
        if (count <= 1)
            return (0, false);
        Span<int> inFlight = count <= StackCandidates ? stackalloc int[StackCandidates] : new int[count];
        inFlight = inFlight[..count];
        for (var i = 0; i < count; i++)
        {
            var endpoint = candidates[i]!.Endpoint;
            inFlight[i] = _circuits.Find(endpoint)?.Phase == CircuitPhase.Open ? BoundedLoad.Unavailable : loads.Find(endpoint)?.Current ?? 0;
        }
        var first = BoundedLoad.Choose(inFlight, loads.Total, ring.OwnerCount, _settings.BalanceFactor);
        var spilled = false;
        for (var i = 0; i < first; i++)
        {
            if (inFlight[i] == BoundedLoad.Unavailable)
                continue;
            _metrics.Spill(candidates[i]!.Endpoint);
            spilled = true;
        }
        return (first, spilled);
    }

    // Attempts go down the preference list from candidate `first`; backends a spill passed over come last, so the
    // bound never fails a request that one of them could serve.
    // With `expand` set, `candidates` holds the key's owner alone and the rest of the preference list comes from that ring
    // when an attempt moves past it.
    private async Task Forward(HttpContext context, string key, Backend?[] candidates, int count, int first, string decision, bool https,
        int route, ServiceRing service, RingSnapshot? expand)
    {
        var started = Stopwatch.GetTimestamp();
        // Null unless tracing is on. A trace that is not recorded (sampled out) still has an activity, so the attempts'
        // client spans and the backends' traceparent follow its decision; only a recorded one gets attributes and events.
        var traced = _tracing ? StartActivity(context, key, candidates, route, service) : null;
        var activity = traced is { IsAllDataRequested: true } ? traced : null;
        string? failover = null;
        long attemptStart = 0;
        RequestBodyProbe? body = null;
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            context.Request.Body = body = new RequestBodyProbe(context.Request.Body);
        List<string>? failures = null;
        List<string>? tried = _settings.DebugHeaders ? new List<string>() : null;
        var attempts = 0;
        var direct = _direct is not null && !https && Upstream.DirectForwarder.CanForward(context);
        try
        {
            for (var n = 0; attempts < _settings.MaxAttempts; n++)
            {
                if (n >= count)
                {
                    if (expand is null)
                        break;
                    count = Preference(expand, key, candidates.AsSpan(0, Math.Min(_candidates, expand.Count)));
                    expand = null;
                    if (n >= count)
                        break;
                }
                var backend = candidates[(first + n) % count]!;
                var state = _circuits.Find(backend.Endpoint);
                if (state is not null && !state.Admits())
                {
                    (failures ??= new()).Add($"{backend.Endpoint} circuit {(state.Phase == CircuitPhase.Open ? "open" : "half-open")}");
                    _metrics.Retry(backend.Endpoint);
                    if (activity is not null)
                    {
                        var outcome = state.Phase == CircuitPhase.Open ? "circuit open" : "circuit half-open";
                        Attempt(activity, backend.Endpoint, outcome, 0);
                        failover ??= $"failover after {outcome} of {backend.Endpoint}";
                    }
                    continue;
                }
                attempts++;
                if (activity is not null)
                    attemptStart = Stopwatch.GetTimestamp();
                if (tried is not null)
                {
                    tried.Add(backend.Endpoint);
                    context.Response.Headers[BackendHeader] = string.Join(", ", tried);
                    context.Response.Headers[DecisionHeader] = decision;
                }

                var load = _loads?.Find(backend.Endpoint);
                if (load is not null)
                    _loads!.Enter(load);
                ForwarderError error;
                try
                {
                    if (direct)
                    {
                        error = await _direct!.SendAsync(context, backend.Endpoint);
                    }
                    else
                    {
                        var destination = https
                            ? state?.HttpsDestinationPrefix ?? "https://" + backend.Endpoint
                            : state?.DestinationPrefix ?? "http://" + backend.Endpoint;
                        error = await _forwarder.SendAsync(context, destination,
                            _backends, _requestConfig, ForwardedHeadersTransformer.Instance);
                    }
                }
                finally
                {
                    if (load is not null)
                        _loads!.Leave(load);
                }
                if (error == ForwarderError.None)
                {
                    if (activity is not null)
                        Served(activity, backend.Endpoint, context.Response.StatusCode, attemptStart);
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
                if (activity is not null)
                {
                    Attempt(activity, backend.Endpoint, cause, attemptStart);
                    if (retryable)
                        failover ??= $"failover after connect error ({cause}) on {backend.Endpoint}";
                }
                if (retryable)
                {
                    (failures ??= new()).Add($"{backend.Endpoint} {cause}");
                    context.Response.Clear();
                    context.Features.Set<IForwarderErrorFeature>(null);
                    _metrics.Retry(backend.Endpoint);
                    continue;
                }
                _metrics.Request(backend.Endpoint, context.Response.HasStarted ? context.Response.StatusCode
                    : IsClientSide(error) ? ClientClosedRequest
                    : error == ForwarderError.RequestTimedOut ? 504 : 502);
                if (context.Response.HasStarted || IsClientSide(error))
                    return;
                if (error == ForwarderError.RequestTimedOut)
                    await WriteError(context, StatusCodes.Status504GatewayTimeout,
                        $"504 backend {backend.Endpoint} did not answer within {_settings.RequestTimeout.TotalSeconds:0.###}s for key '{Shorten(key)}'", tried, decision);
                else
                    await WriteError(context, StatusCodes.Status502BadGateway,
                        $"502 backend {backend.Endpoint} failed for key '{Shorten(key)}': {cause}", tried, decision);
                return;
            }
            _metrics.Request("none", StatusCodes.Status502BadGateway);
            await WriteError(context, StatusCodes.Status502BadGateway,
                $"502 no backend reachable for key '{Shorten(key)}': {(failures is null ? "no attempt left" : string.Join(", ", failures))}", tried, decision);
        }
        finally
        {
            _metrics.Duration(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Array.Clear(candidates, 0, count);
            ArrayPool<Backend?>.Shared.Return(candidates);
            if (activity is not null)
                Finish(activity, context, decision, failover, attempts);
            else
                traced?.Stop();
        }
    }

    // The request's span. When ASP.NET Core already made a request activity (something listens to its source) the
    // edge's span is its child; otherwise it is the server span itself, continuing the caller's traceparent.
    private Activity? StartActivity(HttpContext context, string key, Backend?[] candidates, int route, ServiceRing service)
    {
        Activity? activity;
        if (Activity.Current is not null)
        {
            activity = RouterTracing.Edge.StartActivity(RouterTracing.EdgeSpanName, ActivityKind.Internal);
        }
        else
        {
            DistributedContextPropagator.Current.ExtractTraceIdAndState(context.Request.Headers, ReadHeader, out var traceParent, out var traceState);
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
            activity = RouterTracing.Edge.StartActivity(RouterTracing.EdgeSpanName, ActivityKind.Server, parent);
        }
        if (activity is not { IsAllDataRequested: true })
            return activity;
        activity.DisplayName = RouterTracing.EdgeSpanName + " " + context.Request.Method;
        activity.SetTag("http.request.method", context.Request.Method);
        activity.SetTag("url.path", context.Request.Path.Value);
        activity.SetTag(RouterTracing.KeyHash, RouterTracing.Position(KeyHash(key)));
        activity.SetTag(RouterTracing.Service, service.Name);
        activity.SetTag(RouterTracing.Route, route >= 0 ? route : "default");
        // A consistent-hash request's preference list starts with the key's owner; a balancing route has no owner.
        if (route < 0 || _balancers[route] is null)
            activity.SetTag(RouterTracing.Owner, candidates[0]?.Endpoint);
        var scope = service.Scope;
        activity.SetTag(RouterTracing.RingScope, scope);
        if (scope.StartsWith(Placement.BackendPlacement.AllBackends + ":", StringComparison.Ordinal))
            activity.SetTag(RouterTracing.ZoneFallback, true);
        return activity;
    }

    private static readonly DistributedContextPropagator.PropagatorGetterCallback ReadHeader = static (object? carrier, string name, out string? value, out IEnumerable<string>? values) =>
    {
        values = null;
        value = ((IHeaderDictionary)carrier!).TryGetValue(name, out var header) && header.Count > 0 ? header.ToString() : null;
    };

    private static void Attempt(Activity activity, string backend, string outcome, long started)
    {
        var duration = started == 0 ? 0.0 : Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        activity.AddEvent(new ActivityEvent(RouterTracing.AttemptEvent, tags: new ActivityTagsCollection
        {
            { RouterTracing.AttemptBackend, backend },
            { RouterTracing.AttemptOutcome, outcome },
            { RouterTracing.AttemptDurationMs, Math.Round(duration, 3) },
        }));
    }

    // A backend answered (any status): the attempt, and who served the request.
    private static void Served(Activity activity, string backend, int status, long started)
    {
        Attempt(activity, backend, status < 500 ? "ok" : $"HTTP {status}", started);
        activity.SetTag(RouterTracing.Backend, backend);
    }

    private static void Finish(Activity activity, HttpContext context, string decision, string? failover, int attempts)
    {
        var served = activity.GetTagItem(RouterTracing.Backend) is not null;
        activity.SetTag(RouterTracing.Decision, served && failover is not null ? RouterTracing.FailoverDecision : decision);
        activity.SetTag(RouterTracing.DecisionReason, served && failover is not null ? failover : Reason(decision));
        activity.SetTag(RouterTracing.Attempts, attempts);
        var status = context.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (status is StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout)
            activity.SetStatus(ActivityStatusCode.Error, failover is null ? $"HTTP {status}" : $"HTTP {status} ({failover})");
        activity.Stop();
    }

    private static string Reason(string decision) => decision switch
    {
        OwnerDecision => "owner",
        SpillDecision => "bounded-load spill",
        _ => "policy " + decision,
    };

    private static ulong KeyHash(string key)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (maxBytes <= StackKeyBytes)
        {
            Span<byte> buffer = stackalloc byte[StackKeyBytes];
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return RingSnapshot.KeyHash(buffer[..length]);
        }
        return RingSnapshot.KeyHash(Encoding.UTF8.GetBytes(key));
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

    // nginx's code for a request the client gave up on: counted as such, not as a 502 nobody received.
    private const int ClientClosedRequest = 499;

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

    private static readonly Microsoft.Extensions.Primitives.StringValues Close = "close";

    private static Task WriteError(HttpContext context, int status, string line, List<string>? tried, string? decision, bool close = false)
    {
        var response = context.Response;
        if (response.HasStarted)
            return Task.CompletedTask;
        response.Clear();
        response.StatusCode = status;
        if (close)
            response.Headers.Connection = Close;
        response.ContentType = "text/plain; charset=utf-8";
        if (tried is { Count: > 0 })
        {
            response.Headers[BackendHeader] = string.Join(", ", tried);
            response.Headers[DecisionHeader] = decision;
        }
        return response.WriteAsync(line + "\n");
    }
}
