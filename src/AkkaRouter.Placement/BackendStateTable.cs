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
        ImmutableSortedDictionary<string, OperatorOverride> overrides)
    {
        Health = health;
        Overrides = overrides;
    }

    public static BackendStateTable Empty { get; } = new(
        ImmutableSortedDictionary.Create<string, HealthReport>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, OperatorOverride>(StringComparer.Ordinal));

    /// <summary>Health entries by ring id.</summary>
    public ImmutableSortedDictionary<string, HealthReport> Health { get; }

    /// <summary>Operator overrides by ring id.</summary>
    public ImmutableSortedDictionary<string, OperatorOverride> Overrides { get; }

    /// <summary>The table with <paramref name="report"/> merged into backend <paramref name="id"/>'s entry.</summary>
    public BackendStateTable WithHealth(string id, HealthReport report) =>
        Health.TryGetValue(id, out var current) && !Wins(report, current)
            ? this
            : new BackendStateTable(Health.SetItem(id, report), Overrides);

    /// <summary>The table with <paramref name="entry"/> merged into backend <paramref name="id"/>'s override.</summary>
    public BackendStateTable WithOverride(string id, OperatorOverride entry) =>
        Overrides.TryGetValue(id, out var current) && !Wins(entry, current)
            ? this
            : new BackendStateTable(Health, Overrides.SetItem(id, entry));

    /// <summary>Per entry, the winning write of either table.</summary>
    public BackendStateTable Merge(BackendStateTable other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var result = this;
        foreach (var (id, report) in other.Health)
            result = result.WithHealth(id, report);
        foreach (var (id, entry) in other.Overrides)
            result = result.WithOverride(id, entry);
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
                && Health.All(e => other.Health.TryGetValue(e.Key, out var o) && o.Equals(e.Value))
                && Overrides.All(e => other.Overrides.TryGetValue(e.Key, out var o) && o.Equals(e.Value))));

    public override bool Equals(object? obj) => Equals(obj as BackendStateTable);

    public override int GetHashCode() => HashCode.Combine(Health.Count, Overrides.Count);

    public override string ToString() => $"BackendStateTable({Health.Count} health entries, {Overrides.Count} overrides)";
}
