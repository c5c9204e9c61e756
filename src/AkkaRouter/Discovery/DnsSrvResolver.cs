using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace AkkaRouter.Discovery;

/// <summary>One SRV record with its target resolved to an address.</summary>
public sealed record ResolvedSrv(string Target, int Port, int Priority, int Weight, IPAddress Address)
{
    /// <summary>Stable ring identity: the SRV target (without the trailing dot) and port, e.g. "b1.svc.test:8081".</summary>
    public string Id => $"{Target.TrimEnd('.')}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Where requests go: the resolved address and port, e.g. "127.0.0.1:8081" (IPv6 in brackets: "[::1]:8081").</summary>
    public string Endpoint => new IPEndPoint(Address, Port).ToString();
}

/// <summary>
/// One lookup's outcome: the records (sorted by <see cref="ResolvedSrv.Id"/>, so every caller sees one order), the
/// smallest TTL among the answers used, and an error: null when the lookup succeeded, even if it returned records
/// whose targets could not be resolved (those are left out of <see cref="Records"/> and named in <see cref="Skipped"/>,
/// one line each: "target:port: reason").
/// </summary>
public sealed record SrvLookup(IReadOnlyList<ResolvedSrv> Records, TimeSpan Ttl, string? Error, IReadOnlyList<string> Skipped)
{
    internal static SrvLookup Failed(string error) => new([], TimeSpan.Zero, error, []);
}

/// <summary>
/// Asks the configured nameservers (and only them) for the SRV records of a name and resolves every target to an
/// address. Nothing is cached: each <see cref="Resolve"/> sees the server's current records; honouring the TTL is the
/// caller's business (<see cref="SrvLookup.Ttl"/>).
/// <list type="bullet">
/// <item>Targets are resolved through the same nameservers: first from the additional section of the SRV answer,
/// otherwise by an A query, then (if that gives no address) an AAAA query. The system resolver is never used.
/// A target written as an IP literal is used as is.</item>
/// <item>A target with several addresses gets the lowest one: IPv4 before IPv6 (A records before AAAA records),
/// within a family the numerically smallest address (byte-wise comparison, then the IPv6 scope id).</item>
/// <item>Targets "." (RFC 2782: the service is decidedly not available at this domain) and targets without any
/// address are skipped and named in <see cref="SrvLookup.Skipped"/>. Two records with one target and port keep the
/// one with the lowest priority, then the highest weight; the other is named in Skipped.</item>
/// <item>A failed lookup (no answer in time, connection refused, NXDOMAIN, SERVFAIL, REFUSED), an answer without
/// SRV records, or nameservers that stop answering while the targets are resolved give no records and an
/// <see cref="SrvLookup.Error"/> naming the name and the nameserver(s). DNS-level failures never throw; cancelling
/// <c>cancel</c> throws <see cref="OperationCanceledException"/>.</item>
/// </list>
/// Each nameserver gets one try of at most <c>timeout</c> per query (no retries: the caller resolves again on its
/// next refresh); with several nameservers they are asked in order until one answers.
/// </summary>
public sealed class DnsSrvResolver
{
    private readonly LookupClient _client;
    /// <summary>How long the nameservers were given, as error messages say it: "1 s", or "1 s each" for several.</summary>
    private readonly string _within;

    /// <summary>The nameservers as they appear in error messages, e.g. "127.0.0.1:53, 10.0.0.2:53".</summary>
    private readonly string _servers;

    public DnsSrvResolver(IReadOnlyList<IPEndPoint> nameservers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(nameservers);
        if (nameservers.Count == 0)
            throw new ArgumentException("at least one nameserver is needed", nameof(nameservers));
        if (nameservers.Any(n => n is null))
            throw new ArgumentException("a nameserver is null", nameof(nameservers));
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the timeout must be positive");

        _within = Seconds(timeout) + (nameservers.Count > 1 ? " each" : "");
        _servers = string.Join(", ", nameservers.Select(n => n.ToString()));
        _client = new LookupClient(new LookupClientOptions([.. nameservers.Select(n => new NameServer(n))])
        {
            UseCache = false,
            Timeout = timeout,
            Retries = 0,
            ThrowDnsErrors = false,
            ContinueOnDnsError = true,
            ContinueOnEmptyResponse = true,
            UseTcpFallback = true,
            EnableAuditTrail = false,
        });
    }

    /// <summary>The SRV records of <paramref name="name"/> (e.g. "_cache._tcp.svc.test") with their targets' addresses.</summary>
    public async Task<SrvLookup> Resolve(string name, CancellationToken cancel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var display = name.TrimEnd('.');

        var (srv, failure, _) = await Query(name, QueryType.SRV, cancel);
        if (srv is null)
            return SrvLookup.Failed($"{display}: {failure}");
        var answers = srv.Answers.SrvRecords().ToList();
        if (answers.Count == 0)
            return SrvLookup.Failed($"{display}: no SRV records (answer from {srv.NameServer})");

        var minTtl = answers.Min(a => a.InitialTimeToLive);
        var skipped = new List<(string Id, string Reason)>();
        var addresses = new Dictionary<string, Resolution>(StringComparer.Ordinal);
        var candidates = new List<ResolvedSrv>();
        foreach (var record in answers)
        {
            var target = Normalize(record.Target.Value);
            if (target.Length == 0)
            {
                skipped.Add(($".:{record.Port}", "target \".\": the service is not available at this name (RFC 2782)"));
                continue;
            }
            if (!addresses.TryGetValue(target, out var resolved))
            {
                resolved = await Address(target, srv, cancel);
                if (resolved.Unreachable)
                    return SrvLookup.Failed($"{display}: resolving {target}: {resolved.Problem}");
                addresses[target] = resolved;
            }
            if (resolved.Address is null)
            {
                skipped.Add(($"{target}:{record.Port}", resolved.Problem!));
                continue;
            }
            candidates.Add(new ResolvedSrv(target, record.Port, record.Priority, record.Weight, resolved.Address));
            minTtl = Math.Min(minTtl, resolved.Ttl);
        }

        var records = new List<ResolvedSrv>();
        foreach (var group in candidates.GroupBy(c => c.Id, StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(c => c.Priority).ThenByDescending(c => c.Weight).ToList();
            records.Add(ordered[0]);
            skipped.AddRange(ordered.Skip(1).Select(d => (d.Id,
                $"duplicate of priority {ordered[0].Priority} weight {ordered[0].Weight}: priority {d.Priority} weight {d.Weight} left out")));
        }
        records.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        var skippedLines = skipped
            .OrderBy(s => s.Id, StringComparer.Ordinal)
            .ThenBy(s => s.Reason, StringComparer.Ordinal)
            .Select(s => $"{s.Id}: {s.Reason}")
            .ToList();
        var ttl = records.Count == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Max(0, minTtl));
        return new SrvLookup(records, ttl, null, skippedLines);
    }

    /// <summary>
    /// A target's address and the smallest TTL of the address records it came from (int.MaxValue for an IP literal),
    /// or the reason it has none; <c>Unreachable</c> when the nameservers stopped answering (then the whole
    /// lookup fails rather than dropping the target as if it had no address).
    /// </summary>
    private readonly record struct Resolution(IPAddress? Address, int Ttl, string? Problem, bool Unreachable = false);

    private async Task<Resolution> Address(string target, IDnsQueryResponse srv, CancellationToken cancel)
    {
        if (Literal(target) is { } literal)
            return new Resolution(literal, int.MaxValue, null);

        var additional = srv.Additionals.OfType<AddressRecord>()
            .Where(r => Normalize(r.DomainName.Value) == target)
            .ToList();
        var picked = Lowest(additional);
        if (picked is not null)
            return picked.Value;

        var problems = new List<string>();
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            var (response, failure, unreachable) = await Query(target, type, cancel);
            if (unreachable)
                return new Resolution(null, 0, $"{type} query: {failure}", Unreachable: true);
            if (response is null)
            {
                problems.Add($"{type} {failure}");
                continue;
            }
            // The answer section may hold a CNAME chain: every address record in it belongs to the target.
            picked = Lowest([.. response.Answers.OfType<AddressRecord>()]);
            if (picked is not null)
                return picked.Value;
            problems.Add($"{type}: no records (answer from {response.NameServer})");
        }
        return new Resolution(null, 0, $"no address: {string.Join("; ", problems)}");
    }

    /// <summary>The lowest address (A before AAAA, then byte-wise) and the smallest TTL among the records; null if there are none.</summary>
    private static Resolution? Lowest(IReadOnlyList<AddressRecord> records)
    {
        if (records.Count == 0)
            return null;
        var family = records.Any(r => r.Address.AddressFamily == AddressFamily.InterNetwork)
            ? AddressFamily.InterNetwork
            : AddressFamily.InterNetworkV6;
        var used = records.Where(r => r.Address.AddressFamily == family).ToList();
        var lowest = used.Select(r => r.Address).Order(AddressOrder.Instance).First();
        return new Resolution(lowest, used.Min(r => r.InitialTimeToLive), null);
    }

    /// <summary>
    /// One query: a response without error, or null and a short reason naming the nameserver(s); Unreachable when
    /// no nameserver answered at all (as opposed to an error response such as NXDOMAIN).
    /// </summary>
    private async Task<(IDnsQueryResponse? Response, string? Failure, bool Unreachable)> Query(string name, QueryType type, CancellationToken cancel)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancel);
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException or TimeoutException or SocketException)
        {
            cancel.ThrowIfCancellationRequested();
            return (null, Describe(e), true);
        }
        if (response.HasError)
            return (null, $"{Rcode(response.Header.ResponseCode)} from {response.NameServer}", false);
        return (response, null, false);
    }

    private string Describe(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => $"no answer from {_servers} (connection refused)",
                    SocketError.TimedOut => $"no answer from {_servers} within {_within}",
                    _ => $"no answer from {_servers} ({socket.Message})",
                };
            if (inner is OperationCanceledException or TimeoutException)
                return $"no answer from {_servers} within {_within}";
        }
        return e is DnsResponseException { Code: DnsResponseCode.ConnectionTimeout }
            ? $"no answer from {_servers} within {_within}"
            : $"query to {_servers} failed: {e.Message}";
    }

    private static string Rcode(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.Refused => "REFUSED",
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        _ => $"response code {(int)code}",
    };

    private static string Seconds(TimeSpan t) => t < TimeSpan.FromSeconds(1)
        ? $"{t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms"
        : $"{t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s";

    /// <summary>
    /// The address a target written as an IP literal stands for: dotted-quad IPv4 (four decimal parts, so a name such as
    /// "123" is not taken for 0.0.0.123) or IPv6; null for a host name.
    /// </summary>
    private static IPAddress? Literal(string target)
    {
        if (target.Contains(':'))
            return IPAddress.TryParse(target, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null;
        var parts = target.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)))
            return null;
        return IPAddress.TryParse(target, out var v4) ? v4 : null;
    }

    /// <summary>A DNS name as an identity: lower case, without the trailing dot ("" for the root).</summary>
    private static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>IPv4 before IPv6; within a family byte-wise, then by IPv6 scope id.</summary>
    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            var family = (x.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).CompareTo(y.AddressFamily == AddressFamily.InterNetwork ? 0 : 1);
            if (family != 0) return family;
            var bytes = x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
            if (bytes != 0) return bytes;
            return x.AddressFamily == AddressFamily.InterNetworkV6 ? x.ScopeId.CompareTo(y.ScopeId) : 0;
        }
    }
}
