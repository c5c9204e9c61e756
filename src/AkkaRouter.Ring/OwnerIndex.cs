using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AkkaRouter.Ring;

/// <summary>
/// A small ring's owner lookup laid out for a cold cache: the nearest-point cells (<see cref="OwnershipCells"/>) with
/// neighbours of the same owner merged, in one flat array, and a jump table over the top bits of the key's position that
/// answers most keys itself.
/// </summary>
/// <remarks>
/// <para>
/// The bucketed <see cref="PointTable"/> is shaped for cheap incremental updates of large rings. Its owner lookup reads
/// the 65,536-entry bucket array, a bucket array object and, for the empty buckets most keys of a small ring fall into,
/// the neighbour map and two more buckets: four or five cache lines spread over about a megabyte. Under a proxy's load
/// those lines are cold, and a profile of the HTTP edge forwarding to three backends had the lookup at about 0.3 µs per
/// request, tens of times its hot-loop figure. This index reads one line for most keys (the jump entry names the owner
/// when one cell covers its whole range) and one or two more otherwise, from about 110 KB for a three-backend ring.
/// </para>
/// <para>
/// It answers exactly what <see cref="PointTable.OwnerSlot"/> answers for every key (it is derived from the same exact
/// cells). It is built only for rings of up to <see cref="MaxCells"/> points (42 backends of weight 1), and only when a
/// ring is published for lookups (<see cref="RingSnapshot.WithOwnerIndex"/>): building it sweeps the whole ring, which
/// neither a large ring nor every intermediate snapshot should pay.
/// </para>
/// </remarks>
internal sealed class OwnerIndex
{
    /// <summary>Most points a ring may have for the index to be built.</summary>
    public const int MaxCells = 1 << 17;

    // A jump entry with this bit set holds the owner slot of its whole range; otherwise the index of the cell holding the
    // range's first position.
    private const int Uniform = int.MinValue;

    private const int MinJumpBits = 4;
    private const int MaxJumpBits = 17;

    private readonly int _shift;
    private readonly int[] _jump;

    // (cell start << 32) | owner slot, ascending by start; the first cell starts at 0.
    private readonly ulong[] _cells;

    private OwnerIndex(ulong[] cells, int[] jump, int shift)
    {
        _cells = cells;
        _jump = jump;
        _shift = shift;
    }

    /// <summary>Cells after merging neighbours of the same owner.</summary>
    public int CellCount => _cells.Length;

    /// <summary>Entries of the jump table.</summary>
    public int JumpCount => _jump.Length;

    /// <summary>The index of a non-empty table of at most <see cref="MaxCells"/> points; null otherwise.</summary>
    public static OwnerIndex? TryBuild(PointTable table)
    {
        // Points at equal positions share a cell, so a table of at most MaxCells points has at most MaxCells cells.
        if (table.PointCount == 0 || table.PointCount > MaxCells)
        {
            return null;
        }

        OwnershipCells exact = OwnershipCells.Of(table);
        ulong[] cells = Merge(exact.Starts, exact.Slots);

        // Two to four ranges per cell: most ranges lie inside one cell and are answered by the jump entry alone.
        int bits = Math.Clamp(BitOperations.Log2((uint)cells.Length) + 2, MinJumpBits, MaxJumpBits);
        int shift = 32 - bits;
        var jump = new int[1 << bits];
        int cell = 0;
        for (int range = 0; range < jump.Length; range++)
        {
            ulong start = (ulong)range << shift;
            ulong last = start + (1UL << shift) - 1;
            while (cell + 1 < cells.Length && cells[cell + 1] >> 32 <= start)
            {
                cell++;
            }

            bool oneCell = cell + 1 == cells.Length || cells[cell + 1] >> 32 > last;
            jump[range] = oneCell ? Uniform | (int)(uint)cells[cell] : cell;
        }

        return new OwnerIndex(cells, jump, shift);
    }

    /// <summary>Slot of the backend owning ring position <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OwnerSlot(uint key)
    {
        int entry = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_jump), (nint)(key >> _shift));
        if (entry < 0)
        {
            return entry & ~Uniform;
        }

        // The range holds a cell boundary: walk from the cell holding its first position (about two steps).
        ref ulong cells = ref MemoryMarshal.GetArrayDataReference(_cells);
        ulong probe = ((ulong)key << 32) | uint.MaxValue;
        int last = _cells.Length - 1;
        while (entry < last && Unsafe.Add(ref cells, entry + 1) <= probe)
        {
            entry++;
        }

        return (int)(uint)Unsafe.Add(ref cells, entry);
    }

    private static ulong[] Merge(ulong[] starts, int[] slots)
    {
        var merged = new ulong[starts.Length];
        int n = 0;
        for (int i = 0; i < starts.Length; i++)
        {
            if (n > 0 && (int)(uint)merged[n - 1] == slots[i])
            {
                continue;
            }

            merged[n++] = (starts[i] << 32) | (uint)slots[i];
        }

        return n == merged.Length ? merged : merged[..n];
    }
}
