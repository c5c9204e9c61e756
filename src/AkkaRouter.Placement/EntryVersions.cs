namespace AkkaRouter.Placement;

/// <summary>
/// The versions one writer gives its entries: its first write to an entry (and any write after another writer got
/// ahead of it) opens a new epoch above everything seen, later writes count up within the epoch.
/// </summary>
/// <remarks>
/// This is what keeps a restarted sidecar or a new health singleton from going backwards: its first write always
/// wins over whatever its predecessor left, without comparing clocks.
/// </remarks>
public sealed class EntryVersions
{
    private readonly Dictionary<string, StateVersion> _mine = new(StringComparer.Ordinal);

    /// <summary>The version of this writer's next write to entry <paramref name="id"/>, given the version the table holds.</summary>
    public StateVersion Next(string id, StateVersion? seen)
    {
        var next = _mine.TryGetValue(id, out var mine) && (seen is null || mine >= seen.Value)
            ? mine.Next()
            : (seen ?? default).NextEpoch();
        _mine[id] = next;
        return next;
    }
}
