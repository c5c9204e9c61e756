using System.Text.RegularExpressions;
using AkkaRouter.Ring;
using Serilog.Events;

namespace AkkaRouter.Configuration;

/// <summary>The node's roles in the cluster.</summary>
public static class NodeRoles
{
    public const string Router = "router";
    public const string Backend = "backend";
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { Router, Backend };
}

/// <summary>One TCP listener of the node (RESP, HTTP edge, command palette, management).</summary>
public sealed record ListenerSettings(bool Enabled, string Host, int Port);

/// <summary>The RESP lookup server's listener and limits.</summary>
public sealed record RespServerSettings(
    ListenerSettings Listener,
    string Password,
    int MaxClients,
    int MaxBulkLength,
    int MaxArguments,
    TimeSpan IdleTimeout,
    TimeSpan OutputTimeout,
    TlsSettings? Tls = null)
{
    /// <summary>The listener's TLS (akka-router.resp.tls); off unless configured.</summary>
    public TlsSettings ListenerTls => Tls ?? TlsSettings.Off;
}

/// <summary>Where an HTTP edge route takes a request's key from.</summary>
public enum HttpKeySource
{
    /// <summary>The whole path (query excluded).</summary>
    Path,
    /// <summary>A capture group of the route's path regex.</summary>
    PathCapture,
    Header,
    Query,
    Cookie,
    /// <summary>The client's IP address.</summary>
    ClientAddress,
}

/// <summary>One HTTP edge route: which requests it matches and where their key comes from.</summary>
/// <param name="Index">Position in akka-router.http.routes, for error messages.</param>
/// <param name="Path">Matches the request path; null matches every path.</param>
/// <param name="Host">Matches the Host header without its port, case-insensitively; empty matches any host.</param>
/// <param name="KeyName">Capture group, header, query parameter or cookie name (empty for Path and ClientAddress).</param>
/// <param name="Policy">How the route picks a backend: the key's owner (consistent-hash, the default) or a balancing policy.</param>
/// <param name="Service">The service whose backends the route uses.</param>
/// <param name="BackendTls">HTTPS to this route's backends; null = akka-router.http.backend-tls.enabled.</param>
/// <param name="MaxBodySize">Largest request body of this route in bytes (0 = no limit); null = akka-router.http.limits.max-body-size.</param>
public sealed record HttpRouteSettings(int Index, Regex? Path, string Host, HttpKeySource Source, string KeyName,
    AkkaRouter.Placement.Balancing.BalancingPolicy Policy = AkkaRouter.Placement.Balancing.BalancingPolicy.ConsistentHash,
    string Service = AkkaRouter.Ring.Backend.DefaultService,
    bool? BackendTls = null,
    long? MaxBodySize = null);

/// <summary>A minimum data rate: below <see cref="BytesPerSecond"/> (averaged once <see cref="GracePeriod"/> has passed) the connection is closed; 0 bytes = off.</summary>
public sealed record DataRateSettings(double BytesPerSecond, TimeSpan GracePeriod)
{
    public bool Enabled => BytesPerSecond > 0;
}

/// <summary>What the edge's listener accepts from clients (akka-router.http.limits); each maps onto one of Kestrel's limits.</summary>
/// <param name="MaxConnections">Open client connections; 0 = no limit.</param>
/// <param name="MaxBodySize">Largest request body in bytes; 0 = no limit. A route's own max-body-size wins.</param>
public sealed record HttpLimitsSettings(
    long MaxConnections,
    int MaxRequestLineSize,
    int MaxRequestHeadersSize,
    int MaxHeaderCount,
    long MaxBodySize,
    TimeSpan KeepAliveTimeout,
    TimeSpan RequestHeadersTimeout,
    DataRateSettings MinRequestBodyRate,
    DataRateSettings MinResponseRate)
{
    /// <summary>The shipped defaults (hocon/akkarouter.conf).</summary>
    public static readonly HttpLimitsSettings Defaults = new(10_000, 8 * 1024, 32 * 1024, 100, 30 * 1024 * 1024,
        TimeSpan.FromSeconds(75), TimeSpan.FromSeconds(30),
        new DataRateSettings(240, TimeSpan.FromSeconds(5)), new DataRateSettings(240, TimeSpan.FromSeconds(5)));
}

/// <summary>Per-backend circuit breaker of the HTTP edge.</summary>
/// <param name="FailureThreshold">Consecutive failures that open the circuit.</param>
/// <param name="ResetTimeout">How long an open circuit skips its backend before one probe request is let through.</param>
public sealed record CircuitBreakerSettings(int FailureThreshold, TimeSpan ResetTimeout);

/// <summary>The HTTP edge: listener, routes, forwarding limits, failure handling and bounded loads.</summary>
/// <param name="DirectForwarding">akka-router.http.forwarder: direct (the edge's own HTTP/1.1 forwarder for requests without
/// a body over plain HTTP, YARP for the rest) or yarp (YARP for every request).</param>
/// <param name="BalanceFactor">Bounded loads: an owner with more than this times the mean in-flight requests at this edge
/// is passed over for the key's next backend; <see cref="Placement.BoundedLoad.Off"/> (0) = off.</param>
public sealed record HttpEdgeSettings(
    ListenerSettings Listener,
    IReadOnlyList<HttpRouteSettings> Routes,
    int MaxAttempts,
    TimeSpan ConnectTimeout,
    TimeSpan RequestTimeout,
    TimeSpan PooledConnectionIdleTimeout,
    CircuitBreakerSettings CircuitBreaker,
    bool DebugHeaders,
    double BalanceFactor,
    TlsSettings? Tls = null,
    BackendTlsSettings? BackendTls = null,
    HttpLimitsSettings? Limits = null,
    bool DirectForwarding = true)
{
    /// <summary>The listener's TLS (akka-router.http.tls); off unless configured.</summary>
    public TlsSettings ListenerTls => Tls ?? TlsSettings.Off;

    /// <summary>What clients may send (akka-router.http.limits); the shipped defaults unless configured.</summary>
    public HttpLimitsSettings ClientLimits => Limits ?? HttpLimitsSettings.Defaults;

    /// <summary>Largest request body of route <paramref name="route"/> (-1: no route configured) in bytes; 0 = no limit.</summary>
    public long MaxBodySizeFor(int route) =>
        route >= 0 && route < Routes.Count && Routes[route].MaxBodySize is { } own ? own : ClientLimits.MaxBodySize;

    /// <summary>HTTPS to backends (akka-router.http.backend-tls); off unless configured.</summary>
    public BackendTlsSettings ToBackends => BackendTls ?? BackendTlsSettings.Off;

    /// <summary>Whether requests of route <paramref name="route"/> (-1: no route configured) go to backends over HTTPS.</summary>
    public bool BackendTlsFor(int route) => route >= 0 && route < Routes.Count && Routes[route].BackendTls is { } own ? own : ToBackends.Enabled;
}

/// <summary>HTTPS from the edge to backends: on for every request (or per route), validated against a CA file or the system's roots.</summary>
/// <param name="Ca">PEM file of the certificates that may sign backends' certificates; empty = the system's trusted roots.</param>
/// <param name="Verify">Off accepts any certificate (for test fleets only: the connection is then encrypted but not authenticated).</param>
public sealed record BackendTlsSettings(bool Enabled, string Ca, bool Verify)
{
    public static readonly BackendTlsSettings Off = new(false, "", true);
}

/// <summary>TLS on a listener from PEM files: the certificate (chain) and its private key; reloaded when the files change.</summary>
public sealed record TlsSettings(bool Enabled, string Certificate, string Key)
{
    public static readonly TlsSettings Off = new(false, "", "");
}

/// <summary>The command palette's listener and optional password.</summary>
public sealed record CommandPaletteSettings(ListenerSettings Listener, string Password);

/// <summary>How a backend's service is checked.</summary>
public enum HealthCheckType
{
    /// <summary>Connect to the service endpoint.</summary>
    Tcp,
    /// <summary>GET the path; 2xx and 3xx are healthy.</summary>
    Http,
    /// <summary>No checks: the backend is up while its node is a reachable member (or, static, always).</summary>
    None,
}

/// <summary>Active health checks of one kind of backend (a sidecar's service, or static backends).</summary>
/// <param name="Jitter">Fraction of the interval by which each wait is randomly shortened or lengthened, so checks of many backends spread out.</param>
/// <param name="Rise">Passes in a row that make a backend healthy.</param>
/// <param name="Fall">Failures in a row that make a backend unhealthy.</param>
public sealed record HealthCheckSettings(HealthCheckType Type, string Path, TimeSpan Interval, TimeSpan Timeout, double Jitter, int Rise, int Fall);

/// <summary>Where and how a sidecar reads its service's state for state-aware weights (off when <see cref="Url"/> is empty).</summary>
/// <param name="Url">Prometheus text endpoint of the service.</param>
/// <param name="Interval">How often it is read.</param>
/// <param name="Window">The rates' window.</param>
public sealed record SignalSettings(string Url, TimeSpan Interval, TimeSpan Window, Placement.SignalNames Names, Placement.DampingSettings Damping)
{
    public bool Enabled => Url.Length > 0;
}

/// <summary>The service instance a backend node fronts and how it is placed on the ring.</summary>
public sealed record NodeSettings(
    string ServiceEndpoint,
    string Service,
    string Id,
    string Zone,
    double Weight,
    HealthCheckSettings HealthCheck,
    Placement.SlowStartRamp SlowStart,
    SignalSettings Signals);

/// <summary>The state-aware score: its coefficients and each zone's cost (a zone not listed costs 1).</summary>
public sealed record ScoreSettings(Placement.ScoreWeights Weights, IReadOnlyDictionary<string, double> ZoneCosts)
{
    public double ZoneCost(string zone) => ZoneCosts.GetValueOrDefault(zone, 1.0);
}

/// <summary>One <c>akka-router.discovery.dns-srv</c> entry: an SRV name, the nameservers asked for it, and where its backends go.</summary>
/// <param name="Refresh">The longest time between two lookups; a shorter TTL (but never below the floor) resolves sooner.</param>
public sealed record DnsSrvSource(string Name, IReadOnlyList<System.Net.IPEndPoint> Nameservers, TimeSpan Refresh, string Service, string Zone)
{
    /// <summary>The key of its set in the replicated state, and its name in logs.</summary>
    public string Source => "dns-srv:" + Name;
}

/// <summary>Backend discovery: the DNS SRV sources, the floor under their TTLs, and each query's timeout.</summary>
public sealed record DiscoverySettings(IReadOnlyList<DnsSrvSource> DnsSrv, TimeSpan TtlFloor, TimeSpan Timeout);

/// <summary>Management HTTP: its listener and the bearer token its mutating endpoints require (empty = none).</summary>
public sealed record ManagementSettings(ListenerSettings Listener, string Token);

/// <summary>Akka remoting address of this node.</summary>
public sealed record RemoteSettings(string Hostname, int Port, string PublicHostname);

/// <summary>Log output format.</summary>
public enum LogFormat { Text, Json }

/// <summary>Serilog level and format.</summary>
public sealed record LoggingSettings(LogEventLevel Level, LogFormat Format);

/// <summary>How spans are sent to the OTLP endpoint.</summary>
public enum OtlpProtocol { Grpc, HttpProtobuf }

/// <summary>OpenTelemetry traces of routing decisions (akka-router.tracing); off unless configured.</summary>
/// <param name="OtlpEndpoint">The OTLP receiver (a collector); for http-protobuf a URL without a path gets /v1/traces.</param>
/// <param name="SampleRatio">Fraction of traces started at this node that are recorded (a caller's sampled flag wins).</param>
/// <param name="RespSampleEvery">One span per this many GETs of each RESP connection; 0 = no RESP spans.</param>
/// <param name="ServiceName">The resource's service.name.</param>
public sealed record TracingSettings(bool Enabled, string OtlpEndpoint, OtlpProtocol Protocol, double SampleRatio, int RespSampleEvery, string ServiceName)
{
    public static readonly TracingSettings Off = new(false, "http://127.0.0.1:4317", OtlpProtocol.Grpc, 1.0, 0, "akkarouter");

    /// <summary>Whether the edge traces forwarded requests.</summary>
    public bool Edge => Enabled;

    /// <summary>Whether RESP GETs are sampled.</summary>
    public bool Resp => Enabled && RespSampleEvery > 0;
}

/// <summary>
/// Akka remoting over TLS with mutual authentication: this node's certificate and key, and the CA bundle a
/// peer's certificate must chain to (PEM files, checked at start).
/// </summary>
public sealed record RemoteTlsSettings(bool Enabled, string Certificate, string Key, string Ca)
{
    public static readonly RemoteTlsSettings Off = new(false, "", "", "");
}

/// <summary>
/// How a RESP or palette listener whose socket failed binds again (akka-router.listener-rebind): up to
/// <paramref name="Attempts"/> binds, the first after <paramref name="Backoff"/>, each later wait doubled up to
/// <paramref name="MaxBackoff"/>.
/// </summary>
public sealed record ListenerRebindSettings(int Attempts, TimeSpan Backoff, TimeSpan MaxBackoff)
{
    /// <summary>The defaults of hocon/akkarouter.conf.</summary>
    public static readonly ListenerRebindSettings Default = new(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));

    /// <summary>The wait before bind attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan Delay(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, Backoff.Ticks * (1L << Math.Min(attempt - 1, 30))));
}

/// <summary>Everything the node reads from HOCON, validated: a node never starts half-configured.</summary>
public sealed record RouterSettings(
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> SeedNodes,
    RemoteSettings Remote,
    NodeSettings Node,
    IReadOnlyList<Backend> StaticBackends,
    RespServerSettings Resp,
    HttpEdgeSettings Http,
    CommandPaletteSettings Cmd,
    ManagementSettings Management,
    HealthCheckSettings HealthCheck,
    Placement.PlacementSettings Placement,
    ScoreSettings Score,
    LoggingSettings Logging,
    DiscoverySettings Discovery,
    TracingSettings? Tracing = null,
    RemoteTlsSettings? RemoteTls = null,
    ListenerRebindSettings? Rebind = null)
{
    /// <summary>How failed listeners bind again (akka-router.listener-rebind).</summary>
    public ListenerRebindSettings ListenerRebind => Rebind ?? ListenerRebindSettings.Default;

    /// <summary>Tracing (akka-router.tracing); off unless configured.</summary>
    public TracingSettings Traces => Tracing ?? TracingSettings.Off;

    /// <summary>Remoting over mutually authenticated TLS (akka-router.security.remote-tls); off unless configured.</summary>
    public RemoteTlsSettings RemotingTls => RemoteTls ?? RemoteTlsSettings.Off;

    /// <summary>Keeps a ring replica and serves lookups.</summary>
    public bool IsRouter => Roles.Contains(NodeRoles.Router);

    /// <summary>Puts its service endpoint on the ring.</summary>
    public bool IsBackend => Roles.Contains(NodeRoles.Backend);

    /// <summary>What this node puts on the ring, or null when it is not a backend.</summary>
    public Backend? Advertised => IsBackend
        ? new Backend(Node.Id, Node.ServiceEndpoint, Node.Weight, Node.Zone, service: Node.Service)
        : null;
}
