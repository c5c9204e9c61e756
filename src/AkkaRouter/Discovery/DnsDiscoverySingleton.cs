using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Placement;
using AkkaRouter.Placement.Discovery;
using AkkaRouter.State;

namespace AkkaRouter.Discovery;

/// <summary>
/// The cluster singleton (on the routers) that resolves every <c>akka-router.discovery.dns-srv</c> entry and publishes
/// each entry's backends as one discovered set in the replicated state, so every router places the same backends.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Each entry is resolved again after its answers' TTL, at least <c>ttl-floor</c> and at most <c>refresh</c>
/// later; a failed lookup is retried after the same floor-bounded delay as a TTL of 5 s.</item>
/// <item>A set is written only when it changes (backends, or the note on the last lookup), so a stable DNS costs no
/// replication traffic.</item>
/// <item>A failed or empty lookup keeps the last good set and says so in the set's note (shown as the backends'
/// reason on every router) and in one warning per distinct failure; a record that disappears from a good answer takes
/// its backend out.</item>
/// <item>A new singleton (handover, crash) first reads the sets from a majority and continues from them: its first
/// write opens an epoch above its predecessor's, and until its first good answer the predecessor's set stands.</item>
/// </list>
/// </remarks>
public sealed class DnsDiscoverySingleton : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly DiscoverySettings _settings;
    private readonly IActorRef _replicator;
    private readonly EntryVersions _versions = new();
    private readonly string _writer;
    private readonly Dictionary<string, DiscoveredSet> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DnsSrvResolver> _resolvers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastError = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    public DnsDiscoverySingleton(DiscoverySettings settings)
    {
        _settings = settings;
        _replicator = StateReplication.Replicator(Context.System);
        _writer = "dns-discovery@" + StateReplication.SelfWriter(Context.System);
        foreach (var source in settings.DnsSrv)
            _resolvers[source.Source] = new DnsSrvResolver(source.Nameservers, settings.Timeout);
        Receive<GetSuccess>(r => Start(StateReplication.FromGet(r)!));
        Receive<NotFound>(_ => Start(BackendStateTable.Empty));
        Receive<GetFailure>(_ =>
        {
            _log.Warning("DNS discovery: could not read the replicated state from a majority; retrying");
            Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), _replicator,
                Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead), Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DiscoverySettings settings) => Akka.Actor.Props.Create(() => new DnsDiscoverySingleton(settings));

    protected override void PreStart()
    {
        _log.Info("DNS discovery resolves {Sources}", string.Join(", ", _settings.DnsSrv.Select(s => s.Name)));
        _replicator.Tell(Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void Start(BackendStateTable table)
    {
        foreach (var source in _settings.DnsSrv)
        {
            if (table.Discovered.TryGetValue(source.Source, out var set))
                _published[source.Source] = set;
            Self.Tell(new Resolve(source));
        }
        Become(Resolving);
    }

    private void Resolving()
    {
        Receive<Resolve>(r =>
        {
            var self = Self;
            _resolvers[r.Source.Source].Resolve(r.Source.Name, _stopping.Token)
                .ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Resolved(r.Source, t.Result)
                    : new Resolved(r.Source, new SrvLookup([], TimeSpan.Zero, t.Exception?.GetBaseException().Message ?? "lookup cancelled", [])), TaskScheduler.Default)
                .PipeTo(self);
        });
        Receive<Resolved>(OnResolved);
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }

    private void OnResolved(Resolved resolved)
    {
        var (source, lookup) = (resolved.Source, resolved.Lookup);
        _published.TryGetValue(source.Source, out var last);
        var failed = lookup.Error is not null || lookup.Records.Count == 0;
        DiscoveredSet next;
        TimeSpan wait;
        if (failed)
        {
            var error = lookup.Error ?? $"{source.Name}: no usable SRV records ({string.Join("; ", lookup.Skipped)})";
            var kept = last?.Backends ?? [];
            var note = kept.Count == 0
                ? $"{DiscoveredSet.LookupFailed}: {error}"
                : $"{DiscoveredSet.LookupFailed}: {error}; keeping the {kept.Count} backends of the last good answer";
            if (!_lastError.TryGetValue(source.Source, out var previous) || previous != error)
                _log.Warning("DNS discovery of {Source}: {Problem}; keeping {BackendCount} backends from the last good answer", source.Name, error, kept.Count);
            _lastError[source.Source] = error;
            next = new DiscoveredSet(kept, note, last?.ResolvedUnixMs ?? 0, default, _writer);
            wait = Clamp(RetryAfterFailure, source);
        }
        else
        {
            if (_lastError.Remove(source.Source))
                _log.Info("DNS discovery of {Source} answers again", source.Name);
            var backends = lookup.Records
                .Select(r => new DiscoveredBackend(r.Id, r.Endpoint, source.Service, source.Zone, new SrvRecord(r.Target.TrimEnd('.'), r.Port, r.Priority, r.Weight)))
                .ToArray();
            var note = lookup.Skipped.Count == 0 ? "" : "skipped: " + string.Join("; ", lookup.Skipped);
            next = new DiscoveredSet(backends, note, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), default, _writer);
            wait = Clamp(lookup.Ttl, source);
        }
        if (last is null || !last.Backends.SequenceEqual(next.Backends) || last.Note != next.Note)
        {
            if (!failed)
                _log.Info("DNS discovery of {Source}: {BackendCount} backends: {Backends}", source.Name, next.Backends.Count,
                    string.Join(", ", next.Backends.Select(b => $"{b.Id} -> {b.Endpoint} (priority {b.Srv.Priority}, weight {b.Srv.Weight})")));
            _published[source.Source] = next;
            _replicator.Tell(StateReplication.WriteDiscovered(source.Source, next, _versions));
        }
        Timers.StartSingleTimer(source.Source, new Resolve(source), wait);
    }

    private TimeSpan Clamp(TimeSpan ttl, DnsSrvSource source) =>
        ttl < _settings.TtlFloor ? _settings.TtlFloor : ttl > source.Refresh ? source.Refresh : ttl;

    private sealed record Resolve(DnsSrvSource Source);

    private sealed record Resolved(DnsSrvSource Source, SrvLookup Lookup);
}
