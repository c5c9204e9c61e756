namespace AkkaRouter.Ring;

/// <summary>Builds a <see cref="PointTable"/> from scratch: hashes every point, radix-sorts them, then cuts the sorted run into buckets.</summary>
internal static class PointTableBuilder
{
    // Three 11/11/10-bit LSD passes: 2048 scatter targets stay cache-friendly, where one 16-bit pass (65,536 targets)
    // measured several times slower than all three together.
    private const int DigitBits = 11;
    private const int DigitCount = 1 << DigitBits;
    private const int Passes = 3;

    /// <summary>
    /// Builds the table for backends whose slot is their index in <paramref name="bySlot"/>, which must be sorted by id
    /// (ordinal): the radix sort is stable, so equal positions end up in id order as the tie rule requires.
    /// </summary>
    public static PointTable Build(Backend?[] bySlot, long totalPoints)
    {
        if (totalPoints == 0)
        {
            return PointTable.Empty;
        }

        // Items are (position << 16 | slot) in slot order; each backend fills its own range, so hashing in parallel
        // cannot change the result.
        ulong[] items = GC.AllocateUninitializedArray<ulong>(checked((int)totalPoints));
        var starts = new int[bySlot.Length + 1];
        for (int slot = 0; slot < bySlot.Length; slot++)
        {
            starts[slot + 1] = starts[slot] + RingSnapshot.PointsFor(bySlot[slot]!.Weight);
        }

        Parallel.For(0, bySlot.Length, slot =>
        {
            long seed = RingHashing.BackendSeed(bySlot[slot]!.IdUtf8);
            for (int i = 0, k = starts[slot]; k < starts[slot + 1]; i++, k++)
            {
                items[k] = ((ulong)RingHashing.PointPosition(seed, i) << 16) | (uint)slot;
            }
        });

        ulong[] sorted = RadixSortByPosition(items);

        uint[][] buckets = PointTable.EmptyBuckets();
        int start = 0;
        while (start < sorted.Length)
        {
            int bucket = (int)(sorted[start] >> 32);
            int end = start + 1;
            while (end < sorted.Length && (int)(sorted[end] >> 32) == bucket)
            {
                end++;
            }

            var entries = GC.AllocateUninitializedArray<uint>(end - start);
            for (int i = start; i < end; i++)
            {
                entries[i - start] = (uint)sorted[i];
            }

            buckets[bucket] = entries;
            start = end;
        }

        return new PointTable(buckets, totalPoints);
    }

    // Stable LSD sort on bits 16..47 (the position); returns whichever buffer holds the result.
    private static ulong[] RadixSortByPosition(ulong[] items)
    {
        var counts = new int[Passes * DigitCount];
        foreach (ulong item in items)
        {
            for (int pass = 0; pass < Passes; pass++)
            {
                counts[(pass * DigitCount) + Digit(item, pass)]++;
            }
        }

        ulong[] source = items;
        ulong[] target = GC.AllocateUninitializedArray<ulong>(items.Length);
        for (int pass = 0; pass < Passes; pass++)
        {
            Span<int> offsets = counts.AsSpan(pass * DigitCount, DigitCount);
            int sum = 0;
            for (int d = 0; d < DigitCount; d++)
            {
                int c = offsets[d];
                offsets[d] = sum;
                sum += c;
            }

            foreach (ulong item in source)
            {
                target[offsets[Digit(item, pass)]++] = item;
            }

            (source, target) = (target, source);
        }

        return source;
    }

    private static int Digit(ulong item, int pass) => (int)(item >> (16 + (pass * DigitBits))) & (DigitCount - 1);
}
