namespace AkkaRouter.Ring;

/// <summary>
/// Applies incremental point changes to a copy of a <see cref="PointTable"/>'s bucket directory. Only touched buckets
/// get new arrays; all others are shared with the source table, which is never mutated.
/// </summary>
internal sealed class PointTableEditor
{
    private readonly uint[][] _buckets;
    private readonly Backend?[] _bySlot;
    private readonly PointTable _source;
    private long _pointCount;
    private bool _emptinessChanged;

    /// <param name="source">The table to start from.</param>
    /// <param name="bySlot">The new snapshot's slot array: used to order equal positions by id when merging.</param>
    public PointTableEditor(PointTable source, Backend?[] bySlot)
    {
        _source = source;
        _buckets = source.Buckets.ToArray();
        _bySlot = bySlot;
        _pointCount = source.PointCount;
    }

    /// <summary>Removes every point of the backend in <paramref name="slot"/>, whose first <paramref name="points"/> points are on the ring.</summary>
    public void Remove(Backend backend, int slot, int points)
    {
        uint[] positions = SortedPositions(backend, points);
        int i = 0;
        while (i < positions.Length)
        {
            int bucket = (int)(positions[i] >> PointTable.BucketBits);
            while (i < positions.Length && positions[i] >> PointTable.BucketBits == bucket)
            {
                i++;
            }

            uint[] old = _buckets[bucket];
            int removed = 0;
            foreach (uint entry in old)
            {
                if ((entry & PointTable.SlotMask) == slot)
                {
                    removed++;
                }
            }

            var kept = new uint[old.Length - removed];
            int m = 0;
            foreach (uint entry in old)
            {
                if ((entry & PointTable.SlotMask) != slot)
                {
                    kept[m++] = entry;
                }
            }

            _pointCount -= removed;
            _emptinessChanged |= kept.Length == 0 && old.Length != 0;
            _buckets[bucket] = kept;
        }
    }

    /// <summary>Adds the first <paramref name="points"/> points of the backend now in <paramref name="slot"/>.</summary>
    public void Add(Backend backend, int slot, int points)
    {
        uint[] positions = SortedPositions(backend, points);
        int i = 0;
        while (i < positions.Length)
        {
            int bucket = (int)(positions[i] >> PointTable.BucketBits);
            int start = i;
            while (i < positions.Length && positions[i] >> PointTable.BucketBits == bucket)
            {
                i++;
            }

            _emptinessChanged |= _buckets[bucket].Length == 0;
            _buckets[bucket] = Merge(_buckets[bucket], positions.AsSpan(start, i - start), backend.Id, slot);
        }

        _pointCount += positions.Length;
    }

    // Recomputing the neighbour map touches all 65,536 buckets; with ~47 points per bucket at N=1000 a single-backend
    // change essentially never empties or fills one, so the map is usually shared.
    public PointTable ToTable() =>
        _pointCount == 0 ? PointTable.Empty
        : new PointTable(_buckets, _pointCount, _emptinessChanged || _source.PointCount == 0 ? null : _source.Neighbours);

    private uint[] Merge(uint[] old, ReadOnlySpan<uint> added, string id, int slot)
    {
        var merged = new uint[old.Length + added.Length];
        int o = 0;
        int a = 0;
        int m = 0;
        while (a < added.Length)
        {
            uint low = added[a] & 0xFFFF;
            // Existing entries go first while their position is lower, or equal with a smaller id (the tie rule order).
            while (o < old.Length
                   && (old[o] >> PointTable.BucketBits < low
                       || (old[o] >> PointTable.BucketBits == low
                           && string.CompareOrdinal(_bySlot[old[o] & PointTable.SlotMask]!.Id, id) < 0)))
            {
                merged[m++] = old[o++];
            }

            merged[m++] = (low << PointTable.BucketBits) | (uint)slot;
            a++;
        }

        old.AsSpan(o).CopyTo(merged.AsSpan(m));
        return merged;
    }

    private static uint[] SortedPositions(Backend backend, int points)
    {
        var positions = new uint[points];
        RingHashing.PointPositions(RingHashing.BackendSeed(backend.IdUtf8), positions);
        Array.Sort(positions);
        return positions;
    }
}
