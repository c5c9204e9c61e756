namespace AkkaRouter.Placement;

/// <summary>
/// Orders the writes of one replicated entry: the higher version wins the merge, never a wall clock.
/// </summary>
/// <remarks>
/// A writer takes an <see cref="Epoch"/> above every epoch it has seen for its entry when it starts (a restarted
/// sidecar, a new singleton, an operator's command) and counts <see cref="Sequence"/> up from 0 within it, so a
/// restarted writer never goes backwards. Equal versions from two writers are ordered by the writer's name.
/// </remarks>
/// <param name="Epoch">The writer's incarnation for this entry.</param>
/// <param name="Sequence">The write's number within the epoch.</param>
public readonly record struct StateVersion(long Epoch, long Sequence) : IComparable<StateVersion>
{
    /// <summary>The first write of a new epoch above this one.</summary>
    public StateVersion NextEpoch() => new(Epoch + 1, 0);

    /// <summary>The next write within this epoch.</summary>
    public StateVersion Next() => this with { Sequence = Sequence + 1 };

    public int CompareTo(StateVersion other)
    {
        int byEpoch = Epoch.CompareTo(other.Epoch);
        return byEpoch != 0 ? byEpoch : Sequence.CompareTo(other.Sequence);
    }

    public static bool operator <(StateVersion a, StateVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(StateVersion a, StateVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(StateVersion a, StateVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(StateVersion a, StateVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Epoch}.{Sequence}";
}
