namespace AkkaRouter.Ring;

/// <summary>
/// The exact partition of the 2^32 key positions into nearest-point cells, derived from the points (never sampled).
/// A position q owns itself, the upper floor(g/2) keys of the gap g before it and the lower ceil(g'/2) - 1 keys of the
/// gap g' after it, which is exactly what <see cref="PointTable.OwnerSlot"/> decides for every key.
/// </summary>
internal sealed class OwnershipCells
{
    public const ulong RingSize = 1UL << 32;

    private OwnershipCells(ulong[] starts, int[] slots)
    {
        Starts = starts;
        Slots = slots;
    }

    /// <summary>Cell starts in ascending order; the first is always 0. A cell ends where the next one starts (or at 2^32).</summary>
    public ulong[] Starts { get; }

    /// <summary>Owner slot of each cell.</summary>
    public int[] Slots { get; }

    /// <summary>Exact number of key positions owned by each slot.</summary>
    public static long[] CountsBySlot(PointTable table, int slotCount)
    {
        var counts = new long[slotCount];
        if (table.PointCount == 0)
        {
            return counts;
        }

        var (positions, slots) = Groups(table);
        int n = positions.Length;
        for (int g = 0; g < n; g++)
        {
            counts[slots[g]] += (long)CellLength(positions, g);
        }

        return counts;
    }

    /// <summary>The cells of a non-empty table as a sorted boundary list starting at position 0.</summary>
    public static OwnershipCells Of(PointTable table)
    {
        var (positions, slots) = Groups(table);
        int n = positions.Length;

        // Only the first position's cell can wrap below 0 (it reaches back over the gap from the last position).
        ulong firstReach = HalfBefore(positions, 0);
        bool firstWraps = firstReach > positions[0];
        var starts = new ulong[n + 1];
        var owners = new int[n + 1];
        int m = 0;
        starts[m] = 0;
        owners[m++] = firstWraps || firstReach == positions[0] ? slots[0] : slots[n - 1];
        for (int g = firstWraps ? 1 : 0; g < n; g++)
        {
            starts[m] = positions[g] - HalfBefore(positions, g);
            owners[m++] = slots[g];
        }

        if (firstWraps)
        {
            starts[m] = RingSize + positions[0] - firstReach;
            owners[m++] = slots[0];
        }

        return new OwnershipCells(starts, owners);
    }

    // floor(g/2) of the gap from the previous distinct position; a lone position's gap is the whole ring.
    private static ulong HalfBefore(uint[] positions, int g)
    {
        ulong gap = positions.Length == 1 ? RingSize : (uint)(positions[g] - positions[g == 0 ? positions.Length - 1 : g - 1]);
        return gap / 2;
    }

    // ceil(g/2) of the gap to the next distinct position.
    private static ulong HalfAfter(uint[] positions, int g)
    {
        ulong gap = positions.Length == 1 ? RingSize : (uint)(positions[g == positions.Length - 1 ? 0 : g + 1] - positions[g]);
        return (gap + 1) / 2;
    }

    private static ulong CellLength(uint[] positions, int g) => HalfBefore(positions, g) + HalfAfter(positions, g);

    // Distinct positions in ring order with the slot the tie rule picks there (the first entry: smallest id).
    private static (uint[] Positions, int[] Slots) Groups(PointTable table)
    {
        var positions = new uint[table.PointCount];
        var slots = new int[table.PointCount];
        int n = 0;
        ReadOnlySpan<uint[]> buckets = table.Buckets;
        for (int b = 0; b < buckets.Length; b++)
        {
            uint[] bucket = buckets[b];
            for (int i = 0; i < bucket.Length; i++)
            {
                uint position = ((uint)b << PointTable.BucketBits) | (bucket[i] >> PointTable.BucketBits);
                if (n > 0 && positions[n - 1] == position)
                {
                    continue;
                }

                positions[n] = position;
                slots[n++] = (int)(bucket[i] & PointTable.SlotMask);
            }
        }

        return (positions[..n], slots[..n]);
    }
}
