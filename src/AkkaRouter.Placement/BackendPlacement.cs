using System.Globalization;
using AkkaRouter.Ring;

namespace AkkaRouter.Placement;

/// <summary>
/// The ring's backend set as a pure function of the backends' identities, the replicated state and the placement
/// configuration: every router computes it itself and, given the same inputs, gets the same set.
/// </summary>
public static class BackendPlacement
{
    /// <summary>Reason of a backend whose checker has not reached a verdict yet (or whose verdict is another incarnation's).</summary>
    public const string AwaitingVerdict = "no health verdict yet";

    /// <summary>What a router places keys among: every backend, or its own zone's (zone affinity).</summary>
    public const string AllBackends = "all backends";

    /// <summary>Each identity with its state, effective weight and reason. Identities must have distinct ids.</summary>
    public static IReadOnlyList<Backend> Place(IEnumerable<BackendIdentity> identities, BackendStateTable state, PlacementSettings settings) =>
        Decide(identities, state, settings).Backends;

    /// <summary>As <see cref="Place"/>, with the set the keys are placed among (<see cref="PlacementDecision.Scope"/>).</summary>
    public static PlacementDecision Decide(IEnumerable<BackendIdentity> identities, BackendStateTable state, PlacementSettings settings)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        var entries = identities.OrderBy(i => i.Id, StringComparer.Ordinal).Select(i => Evaluate(i, state)).ToList();
        KeepWithinUnhealthyLimit(entries, settings.MaxUnhealthyFraction);
        ServeLowestSrvPriority(entries);
        var scope = settings.Affinity is { } affinity ? KeepToZone(entries, affinity) : AllBackends;
        return new PlacementDecision(entries.Select(e => e.ToBackend()).ToArray(), scope);
    }

    // Zone affinity as a constraint: the nearest-point rule over the zone's backends only (the others keep their state
    // but no points), so the zone's routers agree with each other and a zone losing a backend moves only that
    // backend's keys. While too few of the zone's backends own keys, the router places among all and says so.
    private static string KeepToZone(List<Entry> entries, ZoneAffinity affinity)
    {
        var zone = entries.Where(e => string.Equals(e.Identity.Zone, affinity.Zone, StringComparison.Ordinal)).ToList();
        int owning = zone.Count(e => e.OwnsKeys);
        string limit = affinity.MinHealthyFraction.ToString("0.##", CultureInfo.InvariantCulture);
        if (zone.Count == 0 || owning == 0 || owning < affinity.MinHealthyFraction * zone.Count - 1e-9)
            return $"{AllBackends}: zone {affinity.Zone} has {owning} of {zone.Count} backends owning keys, below min-healthy-fraction {limit}";
        foreach (var e in entries.Where(e => !zone.Contains(e) && e.OwnsKeys))
            e.OutsideZone($"zone affinity: this router places among zone {affinity.Zone}");
        return $"zone {affinity.Zone}";
    }

    // RFC 2782 over the discovered backends: the lowest priority group with a backend that passes its checks serves,
    // at the SRV weights' ratios; the others are on standby. Runs after the health guard, so a backend kept on by the
    // guard counts as healthy, as it owns keys. An operator's weight override still wins over the SRV weight.
    private static void ServeLowestSrvPriority(List<Entry> entries)
    {
        var srv = entries.Where(e => e.Identity.Srv is not null).ToList();
        if (srv.Count == 0)
            return;
        var placed = Discovery.SrvSelection.Place(srv.Select(e => e.Identity.Srv!).ToArray(),
            i => srv[i].State is BackendState.Up or BackendState.Warming);
        for (var i = 0; i < srv.Count; i++)
        {
            var (entry, placement) = (srv[i], placed[i]);
            if (!entry.HasWeightOverride)
                entry.Configured = placement.RingWeight;
            if (entry.State is not (BackendState.Up or BackendState.Warming))
                continue;
            if (!placement.Serving)
                entry.Standby(placement.Reason);
            else if (entry.Configured == 0)
                entry.Standby($"{placement.Reason}: serves only while no weighted record of its group is healthy");
        }
    }

    private static Entry Evaluate(BackendIdentity identity, BackendStateTable state)
    {
        state.Overrides.TryGetValue(identity.Id, out var over);
        double configured = over?.Weight ?? identity.Weight;
        var entry = new Entry(identity, configured, over?.Weight is not null);
        if (over is { Drained: true })
            return entry.As(BackendState.Draining, 0, over.Reason);

        HealthReport? report = null;
        if (identity.HealthChecked)
        {
            if (!state.Health.TryGetValue(identity.Id, out report) || (identity.Writer is not null && report.Writer != identity.Writer))
                return entry.As(BackendState.Unhealthy, 0, AwaitingVerdict, awaiting: true);
        }
        if (configured == 0)
            return entry.As(BackendState.Draining, 0, over?.Weight is not null ? over.Reason : "weight 0");
        if (report is null)
            return entry.As(BackendState.Up, 1, "");
        return report.Status switch
        {
            // Below 1 when the backend's state-aware score lowered its weight.
            HealthStatus.Up => entry.As(BackendState.Up, report.WeightFactor, "", report),
            HealthStatus.Warming => entry.As(BackendState.Warming, report.WeightFactor, report.Reason, report),
            _ => entry.As(BackendState.Unhealthy, 0, report.Reason, report),
        };
    }

    // Envoy's panic threshold and max-ejection-percent exist for the same reason: when most of a fleet fails its
    // checks at once, the checker (or the network it checks over) is the likelier culprit, and taking the whole
    // fleet off would turn a checker problem into an outage. The backends that failed first stay off; the most
    // recent failures, which pushed the count past the limit, stay on. Failure times are replicated data, so every
    // router keeps the same ones. The limit is a fraction of every backend not drained, those still awaiting their
    // first verdict included: at a cold start, the first backend to fail must not be kept on as the only owner while
    // the others have not been checked yet. Only backends with an unhealthy verdict can be kept on: one that was never
    // checked is never given keys.
    private static void KeepWithinUnhealthyLimit(List<Entry> entries, double maxUnhealthyFraction)
    {
        var counted = entries.Where(e => e.State != BackendState.Draining).ToList();
        var unhealthy = counted.Where(e => e.State == BackendState.Unhealthy && !e.Awaiting).ToList();
        int allowedOff = (int)Math.Floor(counted.Count * maxUnhealthyFraction + 1e-9);
        int keepOn = unhealthy.Count - allowedOff;
        if (keepOn <= 0)
            return;
        var recent = unhealthy
            .OrderByDescending(e => e.Report!.SinceUnixMs)
            .ThenBy(e => e.Identity.Id, StringComparer.Ordinal)
            .Take(keepOn);
        string limit = maxUnhealthyFraction.ToString("0.##", CultureInfo.InvariantCulture);
        foreach (var e in recent)
        {
            e.KeptOn($"failing health checks ({e.Reason}); kept on the ring: more than {limit} of the backends are unhealthy");
        }
    }

    private sealed class Entry(BackendIdentity identity, double configured, bool weightOverride)
    {
        public BackendIdentity Identity { get; } = identity;

        public double Configured { get; set; } = configured;

        public bool HasWeightOverride { get; } = weightOverride;

        public BackendState State { get; private set; }

        public double Factor { get; private set; }

        public string Reason { get; private set; } = "";

        public bool Awaiting { get; private set; }

        public HealthReport? Report { get; private set; }

        public Entry As(BackendState state, double factor, string reason, HealthReport? report = null, bool awaiting = false)
        {
            State = state;
            Factor = factor;
            Reason = reason;
            Report = report;
            Awaiting = awaiting;
            return this;
        }

        public bool OwnsKeys => Factor > 0 && RingSnapshot.PointsFor(EffectiveWeight(Configured, Factor)) > 0;

        public void Standby(string reason)
        {
            State = BackendState.Standby;
            Factor = 0;
            Reason = reason;
        }

        // Keeps its state and reason for the backend's own health, but no points on this router's ring.
        public void OutsideZone(string reason)
        {
            Factor = 0;
            Reason = Reason.Length == 0 ? reason : $"{Reason}; {reason}";
        }

        public void KeptOn(string reason)
        {
            State = BackendState.Up;
            Factor = 1;
            Reason = reason;
        }

        public Backend ToBackend() =>
            new(Identity.Id, Identity.Endpoint, EffectiveWeight(Configured, Factor), Identity.Zone, State, Configured,
                Reason.Length == 0 ? Identity.Note : Reason, Identity.Service);

        // Rounded like the factor, so the effective weight (and the checksum over it) is the same on every node.
        private static double EffectiveWeight(double weight, double factor) =>
            factor >= 1 ? weight : Math.Round(weight * factor, 6, MidpointRounding.AwayFromZero);
    }
}

/// <summary>A router's backend set and what its keys are placed among.</summary>
/// <param name="Backends">Every backend with its state, effective weight and reason on this router's ring.</param>
/// <param name="Scope">"all backends", "zone Z", or "all backends: …" when zone affinity fell back, with the reason.</param>
public sealed record PlacementDecision(IReadOnlyList<Backend> Backends, string Scope);
