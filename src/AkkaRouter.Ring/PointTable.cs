using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AkkaRouter.Ring;

/// <summary>
/// The immutable, sorted points of one ring and the nearest-point searches over them. Points are bucketed by the top
/// 16 bits of their position so an incremental update copies only the buckets it touches.
/// </summary>
internal sealed class PointTable
{
    public const int BucketBits = 16;
    public const int BucketCount = 1 << BucketBits;
    public const int SlotMask = 0xFFFF;

    // Deduplicating by linear scan of the destination beats clearing a bitset for short preference lists.
    private const int LinearSeenLimit = 16;

    private static readonly uint[] NoEntries = [];

    // Entry = (low 16 bits of position) << 16 | slot, sorted by low 16 bits, then by backend id (ordinal), so the
    // first entry of a run of equal positions is the one the tie rule picks.
    private readonly uint[][] _buckets;

    // Per bucket: nearest non-empty bucket strictly before it (high half) and strictly after it (low half), wrapping
    // around the ring, so a search that falls off either end of its bucket finds the neighbouring point without looping.
    private readonly uint[] _neighbours;

    /// <param name="buckets">Entry arrays per bucket, owned by the table from now on.</param>
    /// <param name="pointCount">Total entries.</param>
    /// <param name="neighbours">A previous table's neighbour map, reusable when no bucket changed between empty and
    /// non-empty; null to recompute it (which reads every bucket).</param>
    public PointTable(uint[][] buckets, long pointCount, uint[]? neighbours = null)
    {
        _buckets = buckets;
        PointCount = pointCount;
        _neighbours = pointCount == 0 ? [] : neighbours ?? ComputeNeighbours(buckets);
    }

    public static PointTable Empty { get; } = new(EmptyBuckets(), 0);

    public long PointCount { get; }

    /// <summary>The buckets, for builders, editors and the exact cell sweep; callers must not mutate the arrays.</summary>
    public ReadOnlySpan<uint[]> Buckets => _buckets;

    /// <summary>The neighbour map, for an editor that leaves every bucket's emptiness as it was.</summary>
    public uint[] Neighbours => _neighbours;

    public static uint[][] EmptyBuckets()
    {
        var buckets = new uint[BucketCount][];
        Array.Fill(buckets, NoEntries);
        return buckets;
    }

    /// <summary>Slot of the backend owning <paramref name="key"/> under the nearest-point rule, or -1 on an empty ring.</summary>
    public int OwnerSlot(uint key)
    {
        if (PointCount == 0)
        {
            return -1;
        }

        int b = (int)(key >> BucketBits);
        uint[] bucket = _buckets[b];
        uint bucketBase = key & 0xFFFF0000u;
        int i = LowerBound(bucket, key << BucketBits);

        uint succEntry;
        uint succPos;
        if (i < bucket.Length)
        {
            succEntry = bucket[i];
            succPos = bucketBase | (succEntry >> BucketBits);
        }
        else
        {
            int next = (int)(_neighbours[b] & SlotMask);
            succEntry = _buckets[next][0];
            succPos = ((uint)next << BucketBits) | (succEntry >> BucketBits);
        }

        uint[] predBucket = bucket;
        int j = i - 1;
        uint predBase = bucketBase;
        if (i == 0)
        {
            int prev = (int)(_neighbours[b] >> BucketBits);
            predBucket = _buckets[prev];
            j = predBucket.Length - 1;
            predBase = (uint)prev << BucketBits;
        }

        uint predPos = predBase | (predBucket[j] >> BucketBits);

        // Unsigned wrap-around subtraction gives the clockwise and counter-clockwise distances; ties go clockwise.
        if (succPos - key <= key - predPos)
        {
            return (int)(succEntry & SlotMask);
        }

        return (int)(predBucket[GroupStart(predBucket, j)] & SlotMask);
    }

    /// <summary>
    /// Walks outward from <paramref name="key"/> in both directions, always taking the nearer next position (clockwise on
    /// equal distance, smaller id first within a position), and writes each backend the first time it is met.
    /// </summary>
    public int Preference(uint key, Backend?[] bySlot, Span<Backend?> destination)
    {
        if (PointCount == 0 || destination.Length == 0)
        {
            return 0;
        }

        bool useBits = destination.Length > LinearSeenLimit;
        Span<ulong> seen = useBits ? stackalloc ulong[(bySlot.Length + 63) >> 6] : [];
        seen.Clear();

        // Clockwise cursor: the first entry at or after the key.
        int cb = (int)(key >> BucketBits);
        int ci = LowerBound(_buckets[cb], key << BucketBits);
        if (ci == _buckets[cb].Length)
        {
            cb = (int)(_neighbours[cb] & SlotMask);
            ci = 0;
        }

        // Counter-clockwise cursor: the first entry of the last position before the key.
        int pb = (int)(key >> BucketBits);
        int pj = LowerBound(_buckets[pb], key << BucketBits) - 1;
        if (pj < 0)
        {
            pb = (int)(_neighbours[pb] >> BucketBits);
            pj = _buckets[pb].Length - 1;
        }

        pj = GroupStart(_buckets[pb], pj);

        int found = 0;
        long visited = 0;
        while (found < destination.Length && visited < PointCount)
        {
            uint[] cw = _buckets[cb];
            uint[] ccw = _buckets[pb];
            uint cwPos = ((uint)cb << BucketBits) | (cw[ci] >> BucketBits);
            uint ccwPos = ((uint)pb << BucketBits) | (ccw[pj] >> BucketBits);
            if (cwPos - key <= key - ccwPos)
            {
                uint low = cw[ci] >> BucketBits;
                do
                {
                    Take((int)(cw[ci] & SlotMask), bySlot, destination, seen, useBits, ref found);
                    visited++;
                    ci++;
                }
                while (ci < cw.Length && cw[ci] >> BucketBits == low);

                if (ci == cw.Length)
                {
                    cb = (int)(_neighbours[cb] & SlotMask);
                    ci = 0;
                }
            }
            else
            {
                uint low = ccw[pj] >> BucketBits;
                for (int k = pj; k < ccw.Length && ccw[k] >> BucketBits == low; k++)
                {
                    Take((int)(ccw[k] & SlotMask), bySlot, destination, seen, useBits, ref found);
                    visited++;
                }

                if (pj == 0)
                {
                    pb = (int)(_neighbours[pb] >> BucketBits);
                    pj = _buckets[pb].Length - 1;
                }
                else
                {
                    pj--;
                }

                pj = GroupStart(_buckets[pb], pj);
            }
        }

        return found;
    }

    /// <summary>Index of the first entry of the run of equal positions containing index <paramref name="j"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GroupStart(uint[] bucket, int j)
    {
        uint low = bucket[j] >> BucketBits;
        while (j > 0 && bucket[j - 1] >> BucketBits == low)
        {
            j--;
        }

        return j;
    }

    /// <summary>Index of the first entry whose position bits are at or above <paramref name="probe"/>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LowerBound(uint[] bucket, uint probe)
    {
        // Only the high 16 bits (position) of entries are ordered; probe's low 16 bits are zero, so comparing whole
        // entries is still monotone.
        ref uint first = ref MemoryMarshal.GetArrayDataReference(bucket);
        int lo = 0;
        int n = bucket.Length;
        while (n > 0)
        {
            int half = n >> 1;
            if (Unsafe.Add(ref first, lo + half) < probe)
            {
                lo += half + 1;
                n -= half + 1;
            }
            else
            {
                n = half;
            }
        }

        return lo;
    }

    private static void Take(int slot, Backend?[] bySlot, Span<Backend?> destination, Span<ulong> seen, bool useBits, ref int found)
    {
        if (found == destination.Length)
        {
            return;
        }

        Backend backend = bySlot[slot]!;
        if (useBits)
        {
            ref ulong word = ref seen[slot >> 6];
            ulong bit = 1UL << (slot & 63);
            if ((word & bit) != 0)
            {
                return;
            }

            word |= bit;
        }
        else
        {
            for (int i = 0; i < found; i++)
            {
                if (ReferenceEquals(destination[i], backend))
                {
                    return;
                }
            }
        }

        destination[found++] = backend;
    }

    private static uint[] ComputeNeighbours(uint[][] buckets)
    {
        var neighbours = new uint[BucketCount];
        int last = BucketCount - 1;
        while (buckets[last].Length == 0)
        {
            last--;
        }

        int first = 0;
        while (buckets[first].Length == 0)
        {
            first++;
        }

        int prev = last;
        for (int b = 0; b < BucketCount; b++)
        {
            neighbours[b] = (uint)prev << BucketBits;
            if (buckets[b].Length != 0)
            {
                prev = b;
            }
        }

        int next = first;
        for (int b = BucketCount - 1; b >= 0; b--)
        {
            neighbours[b] |= (uint)next;
            if (buckets[b].Length != 0)
            {
                next = b;
            }
        }

        return neighbours;
    }
}
