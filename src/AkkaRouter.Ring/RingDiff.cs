namespace AkkaRouter.Ring;

/// <summary>Exact key movement between two snapshots, by sweeping the merged boundaries of their ownership cells.</summary>
public static class RingDiff
{
    /// <summary>Compares owners of all 2^32 key positions in <paramref name="before"/> and <paramref name="after"/> exactly.</summary>
    public static RingMovement Compare(RingSnapshot before, RingSnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var gained = new Dictionary<string, double>(StringComparer.Ordinal);
        var lost = new Dictionary<string, double>(StringComparer.Ordinal);
        bool beforeEmpty = before.PointCount == 0;
        bool afterEmpty = after.PointCount == 0;
        if (beforeEmpty || afterEmpty)
        {
            // With no owner on one side every key either appears or disappears; that is not movement between backends.
            return new RingMovement(0.0, beforeEmpty ? after.Shares().Where(s => s.Value > 0).ToDictionary() : gained,
                afterEmpty ? before.Shares().Where(s => s.Value > 0).ToDictionary() : lost);
        }

        OwnershipCells a = OwnershipCells.Of(before.Table);
        OwnershipCells b = OwnershipCells.Of(after.Table);
        Backend?[] aSlots = before.BySlot;
        Backend?[] bSlots = after.BySlot;

        ulong moved = 0;
        var gainedCounts = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var lostCounts = new Dictionary<string, ulong>(StringComparer.Ordinal);
        int i = 0;
        int j = 0;
        ulong position = 0;
        while (position < OwnershipCells.RingSize)
        {
            ulong nextA = i + 1 < a.Starts.Length ? a.Starts[i + 1] : OwnershipCells.RingSize;
            ulong nextB = j + 1 < b.Starts.Length ? b.Starts[j + 1] : OwnershipCells.RingSize;
            ulong end = Math.Min(nextA, nextB);
            string from = aSlots[a.Slots[i]]!.Id;
            string to = bSlots[b.Slots[j]]!.Id;
            if (end > position && !string.Equals(from, to, StringComparison.Ordinal))
            {
                ulong length = end - position;
                moved += length;
                lostCounts[from] = lostCounts.GetValueOrDefault(from) + length;
                gainedCounts[to] = gainedCounts.GetValueOrDefault(to) + length;
            }

            position = end;
            if (nextA == end && i + 1 < a.Starts.Length)
            {
                i++;
            }

            if (nextB == end && j + 1 < b.Starts.Length)
            {
                j++;
            }
        }

        foreach (var (id, count) in gainedCounts)
        {
            gained[id] = count / (double)OwnershipCells.RingSize;
        }

        foreach (var (id, count) in lostCounts)
        {
            lost[id] = count / (double)OwnershipCells.RingSize;
        }

        return new RingMovement(moved / (double)OwnershipCells.RingSize, gained, lost);
    }
}
