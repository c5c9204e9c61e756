using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Akka.Configuration;
using AkkaRouter.Ring;
using Serilog.Events;

namespace AkkaRouter.Configuration;

/// <summary>Reads and validates <see cref="RouterSettings"/>; every failure names its key.</summary>
public static class RouterSettingsReader
{
    /// <summary>Reads the settings or throws <see cref="ConfigurationError"/>.</summary>
    public static RouterSettings Read(Config config)
    {
        UnknownKeys.Check(config);
        var roles = ReadRoles(config);
        var remote = new RemoteSettings(
            Hostname: RequireNonEmpty(config, "akka.remote.dot-netty.tcp.hostname"),
            Port: ReadPort(config, "akka.remote.dot-netty.tcp.port"),
            PublicHostname: ReadString(config, "akka.remote.dot-netty.tcp.public-hostname"));
        var remoteTls = ReadRemoteTls(config);
        var seeds = ReadList(config, "akka.cluster.seed-nodes");
        for (var i = 0; i < seeds.Count; i++)
            ValidateSeed(seeds[i], $"akka.cluster.seed-nodes[{i}]", remoteTls.Enabled);

        var isBackend = roles.Contains(NodeRoles.Backend);
        var endpoint = ReadString(config, "akka-router.node.service-endpoint");
        if (isBackend && endpoint.Length == 0)
            throw new ConfigurationError("akka-router.node.service-endpoint", "required on a node with the 'backend' role (\"host:port\" of the service it fronts)");
        if (endpoint.Length > 0)
            ValidateEndpoint(endpoint, "akka-router.node.service-endpoint");
        var id = ReadString(config, "akka-router.node.id");
        var node = new NodeSettings(
            ServiceEndpoint: endpoint,
            Service: ReadService(config, "akka-router.node.service"),
            Id: id.Length > 0 ? id : endpoint,
            Zone: ReadString(config, "akka-router.node.zone"),
            Weight: ReadWeight(config, "akka-router.node.weight"),
            HealthCheck: ReadHealthCheck(config, "akka-router.node.health-check"),
            SlowStart: ReadSlowStart(config),
            Signals: ReadSignals(config));

        return new RouterSettings(
            Roles: roles,
            SeedNodes: seeds,
            Remote: remote,
            Node: node,
            StaticBackends: ReadStaticBackends(config),
            Resp: ReadRespServer(config),
            Http: ReadHttpEdge(config),
            Cmd: new CommandPaletteSettings(ReadListener(config, "akka-router.cmd"), ReadString(config, "akka-router.cmd.password")),
            Management: new ManagementSettings(ReadListener(config, "akka-router.management"), ReadString(config, "akka-router.management.token")),
            HealthCheck: ReadHealthCheck(config, "akka-router.health-check"),
            Placement: ReadPlacement(config, node.Zone),
            Score: ReadScore(config),
            Logging: ReadLogging(config),
            Discovery: ReadDiscovery(config),
            Tracing: ReadTracing(config),
            RemoteTls: remoteTls,
            Rebind: ReadListenerRebind(config));
    }

    private static ListenerRebindSettings ReadListenerRebind(Config config)
    {
        const string prefix = "akka-router.listener-rebind";
        var attempts = ReadPositive(config, prefix + ".attempts", c => c.GetInt(prefix + ".attempts"), max: 1000);
        var backoff = ReadDuration(config, prefix + ".backoff", allowZero: false);
        var maxBackoff = ReadDuration(config, prefix + ".max-backoff", allowZero: false);
        if (maxBackoff < backoff)
            throw new ConfigurationError(prefix + ".max-backoff", $"{ReadString(config, prefix + ".max-backoff")} is shorter than {prefix}.backoff");
        return new ListenerRebindSettings(attempts, backoff, maxBackoff);
    }

    // Every file must load now and this node's own certificate must chain to the CA: a node that could
    // not authenticate to any peer stops at start with one line naming the key, instead of retrying joins.
    private static RemoteTlsSettings ReadRemoteTls(Config config)
    {
        const string prefix = "akka-router.security.remote-tls";
        if (!config.HasPath(prefix) || !Read(config, prefix + ".enabled", c => c.GetBoolean(prefix + ".enabled", false)))
            return RemoteTlsSettings.Off;
        var certificate = ReadString(config, prefix + ".certificate");
        var key = ReadString(config, prefix + ".key");
        var ca = ReadString(config, prefix + ".ca");
        X509Certificate2 own;
        try
        {
            own = PemCertificates.Load(certificate, key);
        }
        catch (PemCertificateError e)
        {
            throw new ConfigurationError(e.Certificate ? prefix + ".certificate" : prefix + ".key", e.Message);
        }
        using (own)
        {
            if (ca.Length == 0)
                throw new ConfigurationError(prefix + ".ca", "no CA file given: a PEM file of the certificates that sign members' certificates (without it no peer can be authenticated)");
            X509Certificate2Collection roots;
            try
            {
                roots = Security.RemoteTls.LoadCa(ca);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new ConfigurationError(prefix + ".ca", e is FileNotFoundException or DirectoryNotFoundException ? $"CA file '{ca}' not found" : $"cannot read '{ca}': {e.Message}");
            }
            if (roots.Count == 0)
                throw new ConfigurationError(prefix + ".ca", $"'{ca}' holds no PEM certificate");
            var verdict = Security.RemoteTls.Verify(own, roots, null);
            foreach (var root in roots)
                root.Dispose();
            if (verdict is not null)
                throw new ConfigurationError(prefix + ".certificate", $"'{certificate}' is not signed by '{ca}' ({verdict}): no peer would accept this node");
        }
        return new RemoteTlsSettings(true, certificate, key, ca);
    }

    private static TracingSettings ReadTracing(Config config)
    {
        const string prefix = "akka-router.tracing";
        if (!config.HasPath(prefix))
            return TracingSettings.Off;
        var enabled = Read(config, prefix + ".enabled", c => c.GetBoolean(prefix + ".enabled", false));
        var protocolText = ReadString(config, prefix + ".protocol");
        var protocol = protocolText.ToLowerInvariant() switch
        {
            "" or "grpc" => OtlpProtocol.Grpc,
            "http-protobuf" or "http/protobuf" => OtlpProtocol.HttpProtobuf,
            _ => throw new ConfigurationError(prefix + ".protocol", $"'{protocolText}' is not an OTLP protocol (grpc, http-protobuf)"),
        };
        var endpoint = ReadString(config, prefix + ".otlp-endpoint");
        if (endpoint.Length == 0)
            endpoint = protocol == OtlpProtocol.Grpc ? "http://127.0.0.1:4317" : "http://127.0.0.1:4318";
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationError(prefix + ".otlp-endpoint", $"'{endpoint}' is not an http(s) URL such as \"http://127.0.0.1:4317\"");
        var ratio = config.HasPath(prefix + ".sample-ratio") ? ReadFraction(config, prefix + ".sample-ratio", max: 1) : 1.0;
        var every = config.HasPath(prefix + ".resp-sample-every")
            ? Read(config, prefix + ".resp-sample-every", c => c.GetInt(prefix + ".resp-sample-every"))
            : 0;
        if (every < 0)
            throw new ConfigurationError(prefix + ".resp-sample-every", $"{every} must be 0 (no RESP spans) or a positive count");
        var service = ReadString(config, prefix + ".service-name");
        if (service.Length == 0)
            throw new ConfigurationError(prefix + ".service-name", "must not be empty (the service.name of every span)");
        return new TracingSettings(enabled, endpoint, protocol, ratio, every, service);
    }

    private static DiscoverySettings ReadDiscovery(Config config)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sources = ReadObjectList(config, "akka-router.discovery.dns-srv",
            "{ name = \"_cache._tcp.example.internal\", nameservers = [\"10.0.0.2:53\"], refresh = 30s, service = default, zone = \"\" }", (item, itemKey, _) =>
            {
                var name = ReadString(item, "name", itemKey + ".name").TrimEnd('.');
                if (name.Length == 0)
                    throw new ConfigurationError(itemKey + ".name", "required (the SRV name, e.g. \"_cache._tcp.example.internal\")");
                if (!names.Add(name))
                    throw new ConfigurationError(itemKey + ".name", $"'{name}' is already discovered by another entry");
                var servers = Read(item, itemKey + ".nameservers", c => c.HasPath("nameservers") ? c.GetStringList("nameservers") ?? [] : []);
                if (servers.Count == 0)
                    throw new ConfigurationError(itemKey + ".nameservers", "required: a list of \"ip\" or \"ip:port\" (the system resolver is not used)");
                var nameservers = servers.Select((s, i) => ParseNameserver(
                    s?.Trim() ?? throw new ConfigurationError($"{itemKey}.nameservers[{i}]", "null is not a nameserver address"), $"{itemKey}.nameservers[{i}]")).ToArray();
                var refresh = item.HasPath("refresh")
                    ? Read(item, itemKey + ".refresh", c => c.GetTimeSpan("refresh", null, allowInfinite: false))
                    : TimeSpan.FromSeconds(30);
                if (refresh <= TimeSpan.Zero)
                    throw new ConfigurationError(itemKey + ".refresh", "must be a positive duration such as 30s");
                return new DnsSrvSource(name, nameservers, refresh, ReadService(item, "service", itemKey + ".service"), ReadString(item, "zone", itemKey + ".zone"));
            });
        var floor = ReadDuration(config, "akka-router.discovery.ttl-floor", allowZero: false);
        var timeout = ReadDuration(config, "akka-router.discovery.timeout", allowZero: false);
        return new DiscoverySettings(sources, floor, timeout);
    }

    private static System.Net.IPEndPoint ParseNameserver(string text, string key)
    {
        // IPAddress.TryParse takes "5353" for 0.0.21.57: only dotted quads and IPv6 literals count as addresses.
        if ((text.Count(c => c == '.') == 3 || text.Contains(':')) && System.Net.IPAddress.TryParse(text, out var address) && !(text.Contains('.') && text.Contains(':')))
            return new System.Net.IPEndPoint(address, 53);
        if (System.Net.IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
            return endpoint;
        throw new ConfigurationError(key, $"'{text}' is not a nameserver address (\"ip\" or \"ip:port\"; names are not resolved)");
    }

    private static SignalSettings ReadSignals(Config config)
    {
        const string prefix = "akka-router.node.signals";
        var url = ReadString(config, prefix + ".url");
        if (url.Length > 0 && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            throw new ConfigurationError(prefix + ".url", $"'{url}' is not an http(s) URL");
        var interval = ReadDuration(config, prefix + ".interval", allowZero: false);
        var window = ReadDuration(config, prefix + ".window", allowZero: false);
        if (window < interval)
            throw new ConfigurationError(prefix + ".window", $"{ReadString(config, prefix + ".window")} is shorter than the interval; rates need two readings");
        var names = new Placement.SignalNames(
            ReadString(config, prefix + ".cache-hits"), ReadString(config, prefix + ".cache-requests"),
            ReadString(config, prefix + ".requests"), ReadString(config, prefix + ".errors"));
        if ((names.CacheHits.Length == 0) != (names.CacheRequests.Length == 0))
            throw new ConfigurationError(prefix + ".cache-hits", "cache-hits and cache-requests are read together: set both or neither");
        if ((names.Requests.Length == 0) != (names.Errors.Length == 0))
            throw new ConfigurationError(prefix + ".requests", "requests and errors are read together: set both or neither");
        var quantum = ReadFraction(config, prefix + ".damping.quantum", max: 0.5);
        if (quantum <= 0)
            throw new ConfigurationError(prefix + ".damping.quantum", "must be greater than 0");
        var damping = new Placement.DampingSettings(
            Quantum: quantum,
            MinChange: ReadFraction(config, prefix + ".damping.min-change", max: 1),
            MinInterval: ReadDuration(config, prefix + ".damping.min-interval"),
            MaxMovedPerMinute: ReadFraction(config, prefix + ".damping.max-moved-per-minute", max: 1));
        return new SignalSettings(url, interval, window, names, damping);
    }

    private static ScoreSettings ReadScore(Config config)
    {
        const string prefix = "akka-router.placement.score";
        var weights = new Placement.ScoreWeights(
            Health: ReadFraction(config, prefix + ".health", max: 1),
            CacheHitRate: ReadFraction(config, prefix + ".cache-hit-rate", max: 1),
            ZoneCost: ReadFraction(config, prefix + ".zone-cost", max: 1),
            MinFactor: ReadFraction(config, prefix + ".min-factor", max: 1));
        if (weights.Health + weights.CacheHitRate + weights.ZoneCost <= 0)
            throw new ConfigurationError(prefix, "at least one of health, cache-hit-rate and zone-cost must be greater than 0");
        const string costsKey = "akka-router.placement.zone-costs";
        var costs = new Dictionary<string, double>(StringComparer.Ordinal);
        var costsValue = Read(config, costsKey, c => c.GetValue(costsKey));
        if (costsValue is not null && !costsValue.IsEmpty)
        {
            if (!costsValue.IsObject())
                throw new ConfigurationError(costsKey, "must be an object like { zone-a = 1, zone-b = 2 }");
            foreach (var (zone, value) in costsValue.GetObject().Items)
            {
                var key = $"{costsKey}.{zone}";
                var text = value.GetString();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var cost) || !double.IsFinite(cost) || cost < 1)
                    throw new ConfigurationError(key, $"'{text}' is not a zone cost (a number of at least 1; the cheapest zone costs 1)");
                costs[zone] = cost;
            }
        }
        return new ScoreSettings(weights, costs);
    }

    private static HealthCheckSettings ReadHealthCheck(Config config, string prefix)
    {
        var typeText = ReadString(config, prefix + ".type");
        var type = typeText.ToLowerInvariant() switch
        {
            "tcp" => HealthCheckType.Tcp,
            "http" => HealthCheckType.Http,
            "none" => HealthCheckType.None,
            _ => throw new ConfigurationError(prefix + ".type", $"'{typeText}' is not a check type (tcp, http, none)"),
        };
        var path = ReadString(config, prefix + ".path");
        if (!path.StartsWith('/') || path.Any(char.IsWhiteSpace))
            throw new ConfigurationError(prefix + ".path", $"'{path}' is not a request path (it starts with '/' and has no spaces)");
        var interval = ReadDuration(config, prefix + ".interval", allowZero: false);
        var timeout = ReadDuration(config, prefix + ".timeout", allowZero: false);
        if (timeout > interval)
            throw new ConfigurationError(prefix + ".timeout", $"{ReadString(config, prefix + ".timeout")} is longer than the interval ({ReadString(config, prefix + ".interval")}); checks would overlap");
        var jitter = ReadFraction(config, prefix + ".jitter", max: 0.5);
        return new HealthCheckSettings(type, path, interval, timeout, jitter,
            Rise: ReadPositive(config, prefix + ".rise", c => c.GetInt(prefix + ".rise"), max: 100),
            Fall: ReadPositive(config, prefix + ".fall", c => c.GetInt(prefix + ".fall"), max: 100));
    }

    private static Placement.SlowStartRamp ReadSlowStart(Config config)
    {
        const string prefix = "akka-router.node.slow-start";
        var duration = ReadDuration(config, prefix + ".duration");
        var min = ReadFraction(config, prefix + ".min-weight", max: 1);
        if (duration > TimeSpan.Zero && min <= 0)
            throw new ConfigurationError(prefix + ".min-weight", "must be greater than 0: a warming backend owns some keys");
        return new Placement.SlowStartRamp(duration, min);
    }

    private static Placement.PlacementSettings ReadPlacement(Config config, string zone)
    {
        const string prefix = "akka-router.placement.zone-affinity";
        Placement.ZoneAffinity? affinity = null;
        if (Read(config, prefix + ".enabled", c => c.GetBoolean(prefix + ".enabled")))
        {
            if (zone.Length == 0)
                throw new ConfigurationError(prefix + ".enabled", "zone affinity needs this router's zone: set akka-router.node.zone");
            affinity = new Placement.ZoneAffinity(zone, ReadFraction(config, prefix + ".min-healthy-fraction", max: 1));
        }
        return new Placement.PlacementSettings(
            MaxUnhealthyFraction: ReadFraction(config, "akka-router.placement.max-unhealthy-fraction", max: 1),
            StaticBackendsChecked: ReadHealthCheck(config, "akka-router.health-check").Type != HealthCheckType.None,
            Affinity: affinity);
    }

    private static double ReadFraction(Config config, string key, double max)
    {
        var (value, text) = ReadNumber(config, key);
        if (value < 0 || value > max)
            throw new ConfigurationError(key, $"{text} is out of range (0 to {max.ToString(CultureInfo.InvariantCulture)})");
        return value;
    }

    private static IReadOnlyList<string> ReadRoles(Config config)
    {
        const string key = "akka.cluster.roles";
        var roles = ReadList(config, key);
        if (roles.Count == 0)
            throw new ConfigurationError(key, "at least one role is required: router, backend");
        foreach (var role in roles)
        {
            if (!NodeRoles.Known.Contains(role))
                throw new ConfigurationError(key, $"unknown role '{role}' (known roles: router, backend)");
        }
        return roles.Distinct(StringComparer.Ordinal).ToArray();
    }

    private static IReadOnlyList<Backend> ReadStaticBackends(Config config)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        return ReadObjectList(config, "akka-router.static-backends", "{ endpoint = \"host:port\", zone = \"...\", weight = 1.0 }", (item, itemKey, _) =>
        {
            var endpoint = ReadString(item, "endpoint", itemKey + ".endpoint");
            if (endpoint.Length == 0)
                throw new ConfigurationError(itemKey + ".endpoint", "required (\"host:port\")");
            ValidateEndpoint(endpoint, itemKey + ".endpoint");
            var id = ReadString(item, "id", itemKey + ".id");
            id = id.Length > 0 ? id : endpoint;
            if (!ids.Add(id))
                throw new ConfigurationError(itemKey, $"duplicate backend id '{id}'");
            var weight = item.HasPath("weight") ? ReadWeight(item, "weight", itemKey + ".weight") : 1.0;
            return new Backend(id, endpoint, weight, ReadString(item, "zone", itemKey + ".zone"), service: ReadService(item, "service", itemKey + ".service"));
        });
    }

    /// <summary>A service name: empty means <c>default</c>; letters, digits, '.', '_' and '-', at most 64 characters.</summary>
    internal static string ReadService(Config config, string path, string? key = null)
    {
        key ??= path;
        var name = ReadString(config, path, key);
        if (name.Length == 0)
            return Backend.DefaultService;
        if (name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ConfigurationError(key, $"'{name}' is not a service name (letters, digits, '.', '_' and '-', at most 64 characters)");
        return name;
    }

    // A list of objects, each read with its own key ("akka-router.x[2]") so errors name the entry.
    private static IReadOnlyList<T> ReadObjectList<T>(Config config, string key, string example, Func<Config, string, int, T> readItem)
    {
        var value = Read(config, key, c => c.GetValue(key));
        // Akka's HOCON reports an empty list as neither empty nor an array: it is one empty HoconArray.
        if (value is null || value.IsEmpty || value.Values is [Akka.Configuration.Hocon.HoconArray { Count: 0 }])
            return [];
        if (!value.IsArray())
            throw new ConfigurationError(key, $"must be a list of {example}");
        var items = value.GetArray();
        var result = new List<T>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var itemKey = $"{key}[{i}]";
            if (!items[i].IsObject())
                throw new ConfigurationError(itemKey, $"must be an object like {example}");
            result.Add(readItem(new Config(new Akka.Configuration.Hocon.HoconRoot(items[i])), itemKey, i));
        }
        return result;
    }

    private static RespServerSettings ReadRespServer(Config config)
    {
        const string prefix = "akka-router.resp";
        return new RespServerSettings(
            Listener: ReadListener(config, prefix),
            Password: ReadString(config, prefix + ".password"),
            MaxClients: ReadPositive(config, prefix + ".max-clients", c => c.GetInt(prefix + ".max-clients")),
            MaxBulkLength: ReadPositive(config, prefix + ".max-bulk-length", c => (int)Math.Min(int.MaxValue, c.GetByteSize(prefix + ".max-bulk-length") ?? 0), max: 64 * 1024 * 1024),
            MaxArguments: ReadPositive(config, prefix + ".max-arguments", c => c.GetInt(prefix + ".max-arguments"), max: 1024 * 1024),
            IdleTimeout: ReadDuration(config, prefix + ".idle-timeout"),
            OutputTimeout: ReadDuration(config, prefix + ".output-timeout", allowZero: false),
            Tls: ReadTls(config, prefix + ".tls"));
    }

    // The CA file must load now, so a node with a missing or unreadable file stops at start naming the key.
    private static BackendTlsSettings ReadBackendTls(Config config, string prefix)
    {
        if (!config.HasPath(prefix))
            return BackendTlsSettings.Off;
        var enabled = Read(config, prefix + ".enabled", c => c.GetBoolean(prefix + ".enabled", false));
        var verify = Read(config, prefix + ".verify", c => c.GetBoolean(prefix + ".verify", true));
        var ca = ReadString(config, prefix + ".ca");
        if (ca.Length > 0)
        {
            try
            {
                var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                roots.ImportFromPemFile(ca);
                if (roots.Count == 0)
                    throw new ConfigurationError(prefix + ".ca", $"'{ca}' holds no PEM certificate");
                foreach (var root in roots)
                    root.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ConfigurationError(prefix + ".ca", $"cannot read '{ca}': {e.Message}");
            }
        }
        return new BackendTlsSettings(enabled, ca, verify);
    }

    private static HttpEdgeSettings ReadHttpEdge(Config config)
    {
        const string prefix = "akka-router.http";
        return new HttpEdgeSettings(
            Listener: ReadListener(config, prefix),
            Routes: ReadHttpRoutes(config),
            MaxAttempts: ReadPositive(config, prefix + ".max-attempts", c => c.GetInt(prefix + ".max-attempts")),
            ConnectTimeout: ReadDuration(config, prefix + ".connect-timeout", allowZero: false),
            RequestTimeout: ReadDuration(config, prefix + ".request-timeout", allowZero: false),
            PooledConnectionIdleTimeout: ReadDuration(config, prefix + ".pooled-connection-idle-timeout", allowZero: false),
            CircuitBreaker: new CircuitBreakerSettings(
                FailureThreshold: ReadPositive(config, prefix + ".circuit-breaker.failure-threshold", c => c.GetInt(prefix + ".circuit-breaker.failure-threshold")),
                ResetTimeout: ReadDuration(config, prefix + ".circuit-breaker.reset-timeout", allowZero: false)),
            DebugHeaders: Read(config, prefix + ".debug-headers", c => c.GetBoolean(prefix + ".debug-headers")),
            BalanceFactor: ReadBalanceFactor(config, prefix + ".balance-factor"),
            Tls: ReadTls(config, prefix + ".tls"),
            BackendTls: ReadBackendTls(config, prefix + ".backend-tls"),
            Limits: ReadHttpLimits(config, prefix + ".limits"),
            DirectForwarding: ReadForwarder(config, prefix + ".forwarder"));
    }

    private static bool ReadForwarder(Config config, string key) => ReadString(config, key) switch
    {
        "" or "direct" => true,
        "yarp" => false,
        var other => throw new ConfigurationError(key, $"unknown forwarder '{other}' (known: direct, yarp)"),
    };

    // Kestrel holds a request line and the header block in its request buffer (1 MiB): larger limits could never apply.
    private const int MaxHeaderBytes = 1024 * 1024;

    private static HttpLimitsSettings ReadHttpLimits(Config config, string prefix) => new(
        MaxConnections: ReadNonNegative(config, prefix + ".max-connections", c => c.GetLong(prefix + ".max-connections")),
        MaxRequestLineSize: (int)ReadByteSize(config, prefix + ".max-request-line-size", allowZero: false, max: MaxHeaderBytes),
        MaxRequestHeadersSize: (int)ReadByteSize(config, prefix + ".max-request-headers-size", allowZero: false, max: MaxHeaderBytes),
        MaxHeaderCount: ReadPositive(config, prefix + ".max-header-count", c => c.GetInt(prefix + ".max-header-count"), max: 10_000),
        MaxBodySize: ReadByteSize(config, prefix + ".max-body-size", allowZero: true),
        KeepAliveTimeout: ReadDuration(config, prefix + ".keep-alive-timeout", allowZero: false),
        RequestHeadersTimeout: ReadDuration(config, prefix + ".request-headers-timeout", allowZero: false),
        MinRequestBodyRate: ReadDataRate(config, prefix + ".min-request-body-rate"),
        MinResponseRate: ReadDataRate(config, prefix + ".min-response-rate"));

    // Kestrel measures data rates on its one-second heartbeat, so a grace period must be longer than one second.
    private static DataRateSettings ReadDataRate(Config config, string prefix)
    {
        var (rate, text) = ReadNumber(config, prefix + ".bytes-per-second");
        if (rate < 0)
            throw new ConfigurationError(prefix + ".bytes-per-second", $"{text} must be 0 (off) or a positive number of bytes per second");
        var grace = ReadDuration(config, prefix + ".grace-period", allowZero: false);
        if (grace <= TimeSpan.FromSeconds(1))
            throw new ConfigurationError(prefix + ".grace-period", $"{ReadString(config, prefix + ".grace-period")} must be longer than 1s (rates are measured once a second)");
        return new DataRateSettings(rate, grace);
    }

    // A size such as 8k or 30m (HOCON byte units); a bare number is bytes.
    private static long ReadByteSize(Config config, string key, bool allowZero, long max = long.MaxValue, string? path = null)
    {
        path ??= key;
        var value = Read(config, key, c => c.GetByteSize(path) ?? throw new ConfigurationError(key, "must be a size such as 8k or 30m"));
        if (value < 0 || (!allowZero && value == 0))
            throw new ConfigurationError(key, $"{ReadString(config, path, key)} must be a {(allowZero ? "non-negative" : "positive")} size such as 8k or 30m");
        return value <= max ? value : throw new ConfigurationError(key, $"{ReadString(config, path, key)} is above the limit of {max} bytes");
    }

    private static long ReadNonNegative(Config config, string key, Func<Config, long> read)
    {
        var value = Read(config, key, read);
        return value >= 0 ? value : throw new ConfigurationError(key, $"{value} must be 0 (no limit) or greater");
    }

    // A listener's TLS: with enabled = on, the certificate and key files must load as a pair now, so a
    // node with a missing, unreadable or mismatched file stops at start with one line naming the key.
    private static TlsSettings ReadTls(Config config, string prefix)
    {
        if (!config.HasPath(prefix) || !Read(config, prefix + ".enabled", c => c.GetBoolean(prefix + ".enabled", false)))
            return TlsSettings.Off;
        var certificate = ReadString(config, prefix + ".certificate");
        var key = ReadString(config, prefix + ".key");
        try
        {
            using var loaded = PemCertificates.Load(certificate, key);
        }
        catch (PemCertificateError e)
        {
            throw new ConfigurationError(e.Certificate ? prefix + ".certificate" : prefix + ".key", e.Message);
        }
        return new TlsSettings(true, certificate, key);
    }

    private static double ReadBalanceFactor(Config config, string key)
    {
        var (factor, text) = ReadNumber(config, key);
        if (!Placement.BoundedLoad.IsValidFactor(factor))
            throw new ConfigurationError(key, $"{text} must be 0 (off) or greater than 1, e.g. 1.25");
        return factor;
    }

    private static IReadOnlyList<HttpRouteSettings> ReadHttpRoutes(Config config) =>
        ReadObjectList(config, "akka-router.http.routes", "{ path = \"^/documents/([^/]+)\", host = \"...\", key = \"path:1\" }", (item, itemKey, i) =>
        {
            var pathText = ReadString(item, "path", itemKey + ".path");
            Regex? path = null;
            if (pathText.Length > 0)
            {
                try
                {
                    path = new Regex(pathText, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw new ConfigurationError(itemKey + ".path", $"'{pathText}' is not a valid regular expression: {e.Message}");
                }
            }
            var (source, name) = ParseKeySource(ReadString(item, "key", itemKey + ".key"), path, itemKey + ".key");
            var policyText = ReadString(item, "policy", itemKey + ".policy");
            var policy = policyText.Length == 0 ? Placement.Balancing.BalancingPolicy.ConsistentHash
                : Placement.Balancing.BalancingPolicies.Parse(policyText)
                  ?? throw new ConfigurationError(itemKey + ".policy", $"unknown policy '{policyText}' (known: {string.Join(", ", Placement.Balancing.BalancingPolicies.Names)})");
            bool? backendTls = item.HasPath("backend-tls") ? Read(item, itemKey + ".backend-tls", c => c.GetBoolean("backend-tls")) : null;
            long? maxBodySize = item.HasPath("max-body-size")
                ? ReadByteSize(item, itemKey + ".max-body-size", allowZero: true, path: "max-body-size")
                : null;
            return new HttpRouteSettings(i, path, ReadString(item, "host", itemKey + ".host"), source, name, policy,
                ReadService(item, "service", itemKey + ".service"), backendTls, maxBodySize);
        });

    private static (HttpKeySource Source, string Name) ParseKeySource(string text, Regex? path, string key)
    {
        const string known = "path, path:GROUP, header:NAME, query:NAME, cookie:NAME, client-address";
        if (text.Length == 0 || text == "path")
            return (HttpKeySource.Path, "");
        if (text == "client-address")
            return (HttpKeySource.ClientAddress, "");
        var colon = text.IndexOf(':');
        var kind = colon < 0 ? text : text[..colon];
        var name = colon < 0 ? "" : text[(colon + 1)..].Trim();
        var source = kind switch
        {
            "path" => HttpKeySource.PathCapture,
            "header" => HttpKeySource.Header,
            "query" => HttpKeySource.Query,
            "cookie" => HttpKeySource.Cookie,
            _ => throw new ConfigurationError(key, $"unknown key source '{text}' (known: {known})"),
        };
        if (name.Length == 0)
            throw new ConfigurationError(key, $"'{text}' names no {(source == HttpKeySource.PathCapture ? "capture group" : kind)} (known: {known})");
        if (source == HttpKeySource.PathCapture)
        {
            if (path is null)
                throw new ConfigurationError(key, $"'{text}' takes a capture group but the route has no path regex");
            var exists = int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number > 0 && path.GetGroupNumbers().Contains(number)
                : path.GroupNumberFromName(name) >= 0;
            if (!exists)
                throw new ConfigurationError(key, $"'{text}': the path regex '{path}' has no capture group '{name}'");
        }
        return (source, name);
    }

    private static int ReadPositive(Config config, string key, Func<Config, int> read, int max = int.MaxValue)
    {
        var value = Read(config, key, read);
        if (value <= 0)
            throw new ConfigurationError(key, $"{value} must be greater than 0");
        return value <= max ? value : throw new ConfigurationError(key, $"{value} is above the limit of {max}");
    }

    private static TimeSpan ReadDuration(Config config, string key, bool allowZero = true)
    {
        var value = Read(config, key, c => c.GetTimeSpan(key, null, allowInfinite: false));
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
            throw new ConfigurationError(key, $"{ReadString(config, key)} must be a {(allowZero ? "non-negative" : "positive")} duration such as 30s");
        return value;
    }

    private static ListenerSettings ReadListener(Config config, string prefix)
    {
        var enabledKey = prefix + ".enabled";
        var enabled = Read(config, enabledKey, c => c.GetBoolean(enabledKey, true));
        return new ListenerSettings(enabled, RequireNonEmpty(config, prefix + ".host"), ReadPort(config, prefix + ".port"));
    }

    private static LoggingSettings ReadLogging(Config config)
    {
        const string levelKey = "akka-router.logging.level", formatKey = "akka-router.logging.format";
        var level = ReadString(config, levelKey);
        if (!Enum.TryParse<LogEventLevel>(level, ignoreCase: true, out var parsedLevel) || !Enum.IsDefined(parsedLevel))
            throw new ConfigurationError(levelKey, $"'{level}' is not a level (Verbose, Debug, Information, Warning, Error, Fatal)");
        var format = ReadString(config, formatKey).ToLowerInvariant() switch
        {
            "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            var other => throw new ConfigurationError(formatKey, $"'{other}' is not a format (text, json)")
        };
        return new LoggingSettings(parsedLevel, format);
    }

    private static double ReadWeight(Config config, string path, string? key = null)
    {
        key ??= path;
        var (weight, text) = ReadNumber(config, path, key);
        if (weight < 0 || weight > RingSnapshot.MaxWeight)
            throw new ConfigurationError(key, $"{text} is out of range (0 to {RingSnapshot.MaxWeight})");
        return weight;
    }

    // A finite number, and the text it was read from for error messages.
    private static (double Value, string Text) ReadNumber(Config config, string path, string? key = null)
    {
        var text = ReadString(config, path, key);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new ConfigurationError(key ?? path, $"'{text}' is not a number");
        return (value, text);
    }

    private static int ReadPort(Config config, string key)
    {
        var text = ReadString(config, key);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new ConfigurationError(key, $"'{text}' is not a port (0 to 65535; 0 picks a free port)");
        return port;
    }

    /// <summary>Checks "host:port" (IPv6 hosts in brackets) and throws naming <paramref name="key"/>.</summary>
    public static void ValidateEndpoint(string endpoint, string key)
    {
        var colon = endpoint.LastIndexOf(':');
        var host = colon > 0 ? endpoint[..colon] : "";
        var portText = colon >= 0 ? endpoint[(colon + 1)..] : "";
        var hostOk = host.Length > 0 && !host.Any(char.IsWhiteSpace)
            && (host.Contains(':') ? host.StartsWith('[') && host.EndsWith(']') : true);
        var portOk = int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535;
        if (!hostOk || !portOk)
            throw new ConfigurationError(key, $"'{endpoint}' is not an endpoint (expected \"host:port\" with a port from 1 to 65535)");
    }

    private static void ValidateSeed(string seed, string key, bool remoteTls)
    {
        var expected = remoteTls ? "akka.ssl.tcp://akkarouter@host:port" : "akka.tcp://akkarouter@host:port";
        if (!Akka.Actor.Address.TryParse(seed, out var address) || address.Host is null || address.Port is null)
            throw new ConfigurationError(key, $"'{seed}' is not an Akka address (expected \"{expected}\")");
        // Remoting over TLS names its addresses akka.ssl.tcp: a seed written akka.tcp would never be reached.
        var protocol = remoteTls ? "akka.ssl.tcp" : "akka.tcp";
        if (address.Protocol != protocol)
            throw new ConfigurationError(key, $"'{seed}' uses '{address.Protocol}'; with akka-router.security.remote-tls.enabled = {(remoteTls ? "on" : "off")} members' addresses read \"{expected}\"");
        if (address.System != Hosting.RouterNode.SystemName)
            throw new ConfigurationError(key, $"'{seed}' names actor system '{address.System}'; nodes of this cluster run '{Hosting.RouterNode.SystemName}'");
    }

    private static string RequireNonEmpty(Config config, string key)
    {
        var value = ReadString(config, key);
        return value.Length > 0 ? value : throw new ConfigurationError(key, "must not be empty");
    }

    private static string ReadString(Config config, string path, string? key = null) =>
        Read(config, key ?? path, c => c.GetString(path, "") ?? "").Trim();

    // A `null` element (`roles = [router, null]`) comes back from Akka as a null string: refused with the key, not
    // dereferenced (the fuzzer's settings target found it in CI, 2026-12-06).
    private static IReadOnlyList<string> ReadList(Config config, string key) =>
        Read(config, key, c => c.GetStringList(key) ?? [])
            .Select(s => s?.Trim() ?? throw new ConfigurationError(key, "null is not allowed in this list"))
            .ToArray();

    // Akka's Config throws its own exceptions for wrong value types; turn them into one line naming the key.
    private static T Read<T>(Config config, string key, Func<Config, T> read)
    {
        try
        {
            return read(config);
        }
        catch (Exception e) when (e is not ConfigurationError)
        {
            throw new ConfigurationError(key, "invalid value: " + e.Message.Split('\n')[0]);
        }
    }
}
