using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Ring;

namespace AkkaRouter.Dashboard;

/// <summary>
/// Builds the dashboard's state document and publishes it to the <see cref="DashboardFeed"/>: at once on every ring
/// change of this node, and every second with each router's rings (the agreement view), request and error rates per
/// backend from this node's edge counters, and circuit states.
/// </summary>
/// <remarks>
/// Every router is asked for its <see cref="RingSummary"/> once a second (one small message each); a router that
/// does not answer within the tick is shown with the reason, and never delays the document.
/// </remarks>
public sealed class DashboardActor : ReceiveActor, IWithTimers
{
    private const int RecentChanges = 30;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RingView _ring;
    private readonly RouterMetrics _metrics;
    private readonly BackendCircuits _circuits;
    private readonly DashboardFeed _feed;
    private readonly RouterSettings _settings;
    // What the page shows of a change, not the change itself: a RingChanged holds two whole snapshots (point tables
    // of about a megabyte each), and keeping 30 of them held 25-30 MB of old rings alive in every node.
    private readonly LinkedList<RecentChange> _changes = new();
    private readonly Dictionary<Address, (RingSummary? Summary, string Error)> _routers = new();
    private Dictionary<string, (double Requests, double Errors)> _counts = new(StringComparer.Ordinal);
    private Dictionary<string, (double Requests, double Errors)> _rates = new(StringComparer.Ordinal);
    private DateTime _countedAt = DateTime.UtcNow;

    public DashboardActor(RingView ring, RouterMetrics metrics, BackendCircuits circuits, DashboardFeed feed, RouterSettings settings)
    {
        _ring = ring;
        _metrics = metrics;
        _circuits = circuits;
        _feed = feed;
        _settings = settings;
        Receive<RingChanged>(changed =>
        {
            _changes.AddFirst(new RecentChange(changed.Service, changed.Current.Version, changed.Current.Checksum,
                changed.Movement.MovedFraction, changed.Reason));
            if (_changes.Count > RecentChanges)
                _changes.RemoveLast();
            if (_feed.Watched)
                Publish();
        });
        Receive<Tick>(_ =>
        {
            // Nobody watching (no open stream, no read within the feed's window): no asks, no document.
            if (!_feed.Watched)
                return;
            AskRouters();
            CountRates();
            Publish();
        });
        Receive<Answered>(a => _routers[a.Router] = (a.Summary, a.Error));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record RecentChange(string Service, long Version, ulong Checksum, double MovedFraction, string Reason);

    public static Props Props(RingView ring, RouterMetrics metrics, BackendCircuits circuits, DashboardFeed feed, RouterSettings settings) =>
        Akka.Actor.Props.Create(() => new DashboardActor(ring, metrics, circuits, feed, settings));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(RingChanged));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.Zero, Interval);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void AskRouters()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var routers = state.Members.Where(m => m.HasRole(NodeRoles.Router) && m.Status is MemberStatus.Up or MemberStatus.Leaving).Select(m => m.Address).ToHashSet();
        if (_settings.IsRouter)
            routers.Add(cluster.SelfAddress);
        foreach (var gone in _routers.Keys.Where(a => !routers.Contains(a)).ToList())
            _routers.Remove(gone);
        foreach (var router in routers)
        {
            if (unreachable.Contains(router))
            {
                _routers[router] = (null, "unreachable");
                continue;
            }
            var self = Self;
            var previous = _routers.GetValueOrDefault(router).Summary;
            Context.ActorSelection(new RootActorPath(router) / "user" / "ring")
                .Ask<RingSummary>(GetRingSummary.Instance, Interval - TimeSpan.FromMilliseconds(200))
                .ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Answered(router, t.Result, "")
                    : new Answered(router, previous, "no answer within the second"), TaskScheduler.Default)
                .PipeTo(self);
        }
    }

    // Per backend endpoint: requests and errors (5xx answers the edge gave) per second since the last tick.
    private void CountRates()
    {
        var now = DateTime.UtcNow;
        var counts = new Dictionary<string, (double Requests, double Errors)>(StringComparer.Ordinal);
        foreach (var labels in _metrics.HttpRequests.GetAllLabelValues())
        {
            var value = _metrics.HttpRequests.WithLabels(labels).Value;
            var error = labels[1].StartsWith('5') ? value : 0;
            counts[labels[0]] = counts.TryGetValue(labels[0], out var c) ? (c.Requests + value, c.Errors + error) : (value, error);
        }
        var seconds = Math.Max((now - _countedAt).TotalSeconds, 0.001);
        _rates = counts.ToDictionary(c => c.Key, c =>
        {
            var before = _counts.GetValueOrDefault(c.Key);
            return (Math.Max(0, c.Value.Requests - before.Requests) / seconds, Math.Max(0, c.Value.Errors - before.Errors) / seconds);
        }, StringComparer.Ordinal);
        _counts = counts;
        _countedAt = now;
    }

    private void Publish()
    {
        try
        {
            _feed.Publish(Document());
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _log.Warning("Dashboard document not built: {Problem}", e.Message);
        }
    }

    private byte[] Document()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var circuits = _circuits.Current;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("node", cluster.SelfAddress.ToString());
            json.WriteString("at", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            json.WriteStartArray("services");
            foreach (var service in _ring.Services)
            {
                var snapshot = service.Current;
                var shares = snapshot.Shares();
                json.WriteStartObject();
                json.WriteString("name", service.Name);
                json.WriteNumber("version", snapshot.Version);
                json.WriteString("checksum", Hex(snapshot.Checksum));
                json.WriteNumber("members", snapshot.Count);
                json.WriteNumber("owners", snapshot.OwnerCount);
                json.WriteString("placement", service.Scope);
                json.WriteStartArray("backends");
                foreach (var b in snapshot.Backends)
                {
                    json.WriteStartObject();
                    json.WriteString("id", b.Id);
                    json.WriteString("endpoint", b.Endpoint);
                    json.WriteString("zone", b.Zone);
                    json.WriteString("state", b.State.Name());
                    json.WriteNumber("weight", b.ConfiguredWeight);
                    json.WriteNumber("effective-weight", b.Weight);
                    json.WriteNumber("share", shares[b.Id]);
                    json.WriteString("reason", b.Reason);
                    if (b.State == BackendState.Warming && b.ConfiguredWeight > 0)
                        json.WriteNumber("progress", Math.Round(b.Weight / b.ConfiguredWeight, 3));
                    var rate = _rates.GetValueOrDefault(b.Endpoint);
                    json.WriteNumber("requests-per-second", Math.Round(rate.Requests, 2));
                    json.WriteNumber("errors-per-second", Math.Round(rate.Errors, 2));
                    json.WriteString("circuit", circuits.TryGetValue(b.Endpoint, out var circuit) ? Circuit(circuit.Phase) : "none");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartArray("changes");
            foreach (var change in _changes)
            {
                json.WriteStartObject();
                json.WriteString("service", change.Service);
                json.WriteNumber("version", change.Version);
                json.WriteString("checksum", Hex(change.Checksum));
                json.WriteNumber("moved", Math.Round(change.MovedFraction, 6));
                json.WriteString("reason", change.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            WriteAgreement(json, cluster.SelfAddress);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    // Every router's rings side by side; per service, whether every router that answered holds the same checksum.
    private void WriteAgreement(Utf8JsonWriter json, Address self)
    {
        json.WriteStartArray("routers");
        foreach (var (address, (summary, error)) in _routers.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("address", address.ToString());
            json.WriteBoolean("self", address == self);
            json.WriteString("error", error);
            json.WriteStartArray("services");
            for (var i = 0; summary is not null && i < summary.Services.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("name", summary.Services[i]);
                json.WriteNumber("version", summary.Versions[i]);
                json.WriteString("checksum", summary.Checksums[i]);
                json.WriteNumber("owners", summary.Owners[i]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();

        var disagreements = new List<string>();
        var answered = _routers.Where(r => r.Value.Summary is not null && r.Value.Error.Length == 0).ToList();
        var names = answered.SelectMany(r => r.Value.Summary!.Services).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var checksums = answered
                .Select(r => (Router: r.Key, Checksum: Checksum(r.Value.Summary!, name)))
                .GroupBy(r => r.Checksum)
                .ToList();
            if (checksums.Count > 1)
                disagreements.Add($"{name}: " + string.Join("; ", checksums.Select(g => $"{g.Key ?? "no ring"} on {string.Join(", ", g.Select(r => r.Router.ToString()))}")));
        }
        json.WriteStartObject("agreement");
        json.WriteBoolean("agreed", disagreements.Count == 0 && answered.Count == _routers.Count);
        json.WriteNumber("routers", _routers.Count);
        json.WriteNumber("answered", answered.Count);
        json.WriteString("detail", disagreements.Count > 0 ? "checksums differ: " + string.Join(" | ", disagreements)
            : answered.Count < _routers.Count ? $"{_routers.Count - answered.Count} of {_routers.Count} routers did not answer" : "");
        json.WriteEndObject();
    }

    private static string? Checksum(RingSummary summary, string service)
    {
        var index = Array.IndexOf(summary.Services, service);
        return index < 0 ? null : summary.Checksums[index];
    }

    private static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);

    private static string Circuit(CircuitPhase phase) => phase switch
    {
        CircuitPhase.Closed => "closed",
        CircuitPhase.Suspect => "suspect",
        CircuitPhase.Open => "open",
        _ => "half-open",
    };

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Answered(Address Router, RingSummary? Summary, string Error);
}
