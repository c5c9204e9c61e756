using System.Collections.Immutable;

namespace AkkaRouter.Placement;

/// <summary>
/// The replicated per-backend state every router places from: health entries and operator overrides, each keyed by
/// ring id. Immutable; <see cref="Merge"/> keeps, per entry, the write with the higher version.
/// </summary>
/// <remarks>
/// Per-entry maximum under a total order is a join: commutative, associative and idempotent, so replicas that have
/// seen the same writes hold the same table whatever order the writes arrived in. Equal versions (which a single
/// writer never produces) fall back to the writer's name and then the content, so even a misbehaving writer cannot
/// make two routers keep different entries.
/// </remarks>
public sealed class BackendStateTable : IEquatable<BackendStateTable>
{
    private BackendStateTable(
        ImmutableSortedDictionary<string, HealthReport> health,
        ImmutableSortedDictionary<string, OperatorOverride> overrides,
        ImmutableSortedDictionary<string, Discovery.DiscoveredSet> discovered)
    {
        Health = health;
        Overrides = overrides;
        Discovered = discovered;
    }

    public static BackendStateTable Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, HealthReport>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, OperatorOverride>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, Discovery.DiscoveredSet>(StringComparer.Ordinal));

    /// <summary>Backend sets found by discovery, by source (e.g. <c>dns-srv:_cache._tcp.example</c>).</summary>
    public ImmutableSortedDictionary<string, Discovery.DiscoveredSet> Discovered { get; }

    /// <summary>The table with <paramref name="set"/> merged into source <paramref name="source"/>'s entry.</summary>
    public BackendStateTable WithDiscovered(string source, Discovery.DiscoveredSet set) =>
        Discovered.TryGetValue(source, out var current) && !Wins(set, current)
            ? this
            : new BackendStateTable(Health, Overrides, Discovered.SetItem(source, set));

    /// <summary>Whether <paramref name="candidate"/> replaces <paramref name="current"/> in a merge.</summary>
    public static bool Wins(Discovery.DiscoveredSet candidate, Discovery.DiscoveredSet current)
    {
        int order = candidate.Version.CompareTo(current.Version);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Writer, current.Writer);
        if (order == 0)
            order = candidate.ResolvedUnixMs.CompareTo(current.ResolvedUnixMs);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Note, current.Note);
        if (order == 0)
            order = string.CompareOrdinal(Describe(candidate), Describe(current));
        return order > 0;
    }

    private static string Describe(Discovery.DiscoveredSet set) =>
        string.Join("|", set.Backends.Select(b => $"{b.Id},{b.Endpoint},{b.Service},{b.Zone},{b.Srv.Priority},{b.Srv.Weight}"));

    /// <summary>Health entries by ring id.</summary>
    public ImmutableSortedDictionary<string, HealthReport> Health { get; }

    /// <summary>Operator overrides by ring id.</summary>
    public ImmutableSortedDictionary<string, OperatorOverride> Overrides { get; }

    /// <summary>The table with <paramref name="report"/> merged into backend <paramref name="id"/>'s entry.</summary>
    public BackendStateTable WithHealth(string id, HealthReport report) =>
        Health.TryGetValue(id, out var current) && !Wins(report, current)
            ? this
            : new BackendStateTable(Health.SetItem(id, report), Overrides, Discovered);

    /// <summary>The table with <paramref name="entry"/> merged into backend <paramref name="id"/>'s override.</summary>
    public BackendStateTable WithOverride(string id, OperatorOverride entry) =>
        Overrides.TryGetValue(id, out var current) && !Wins(entry, current)
            ? this
            : new BackendStateTable(Health, Overrides.SetItem(id, entry), Discovered);

    /// <summary>Per entry, the winning write of either table.</summary>
    public BackendStateTable Merge(BackendStateTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var result = this;
        foreach (var (id, report) in other.Health)
            result = result.WithHealth(id, report);
        foreach (var (id, entry) in other.Overrides)
            result = result.WithOverride(id, entry);
        foreach (var (source, set) in other.Discovered)
            result = result.WithDiscovered(source, set);
        return result;
    }

    /// <summary>Whether <paramref name="candidate"/> replaces <paramref name="current"/> in a merge.</summary>
    public static bool Wins(HealthReport candidate, HealthReport current)
    {
        int order = candidate.Version.CompareTo(current.Version);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Writer, current.Writer);
        if (order == 0)
            order = candidate.Status.CompareTo(current.Status);
        if (order == 0)
            order = candidate.WeightFactor.CompareTo(current.WeightFactor);
        if (order == 0)
            order = candidate.SinceUnixMs.CompareTo(current.SinceUnixMs);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Reason, current.Reason);
        if (order == 0)
            order = Nullable.Compare(candidate.Score?.Value, current.Score?.Value);
        if (order == 0)
            order = Nullable.Compare(candidate.Score?.Factor, current.Score?.Factor);
        if (order == 0)
            order = Nullable.Compare(candidate.Score?.Inputs.Health, current.Score?.Inputs.Health);
        if (order == 0)
            order = Nullable.Compare(candidate.Score?.Inputs.CacheHitRate, current.Score?.Inputs.CacheHitRate);
        if (order == 0)
            order = Nullable.Compare(candidate.Score?.Inputs.ZoneCost, current.Score?.Inputs.ZoneCost);
        return order > 0;
    }

    /// <summary>Whether <paramref name="candidate"/> replaces <paramref name="current"/> in a merge.</summary>
    public static bool Wins(OperatorOverride candidate, OperatorOverride current)
    {
        int order = candidate.Version.CompareTo(current.Version);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Writer, current.Writer);
        if (order == 0)
            order = candidate.Drained.CompareTo(current.Drained);
        if (order == 0)
            order = Nullable.Compare(candidate.Weight, current.Weight);
        if (order == 0)
            order = string.CompareOrdinal(candidate.Reason, current.Reason);
        return order > 0;
    }

    public bool Equals(BackendStateTable? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (Health.Count == other.Health.Count
                && Overrides.Count == other.Overrides.Count
                && Discovered.Count == other.Discovered.Count
                && Discovered.All(e => other.Discovered.TryGetValue(e.Key, out var o) && o.Equals(e.Value))
                && Health.All(e => other.Health.TryGetValue(e.Key, out var o) && o.Equals(e.Value))
                && Overrides.All(e => other.Overrides.TryGetValue(e.Key, out var o) && o.Equals(e.Value))));

    public override bool Equals(object? obj) => Equals(obj as BackendStateTable);

    public override int GetHashCode() => HashCode.Combine(Health.Count, Overrides.Count);

    public override string ToString() => $"BackendStateTable({Health.Count} health entries, {Overrides.Count} overrides, {Discovered.Count} discovered sets)";
}
