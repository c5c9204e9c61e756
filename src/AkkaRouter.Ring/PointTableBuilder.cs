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
        return new PointTable(CutIntoBuckets(sorted), totalPoints);
    }

    // Each bucket's entries are a contiguous run of the sorted items; runs are found and copied in
    // parallel, each worker owning a contiguous range of buckets.
    private static uint[][] CutIntoBuckets(ulong[] sorted)
    {
        var bucketStarts = new int[PointTable.BucketCount + 1];
        foreach (ulong item in sorted)
        {
            bucketStarts[(int)(item >> 32) + 1]++;
        }

        for (int b = 0; b < PointTable.BucketCount; b++)
        {
            bucketStarts[b + 1] += bucketStarts[b];
        }

        uint[][] buckets = PointTable.EmptyBuckets();
        int workers = Workers(sorted.Length);
        Parallel.For(0, workers, w =>
        {
            int first = PointTable.BucketCount * w / workers;
            int last = PointTable.BucketCount * (w + 1) / workers;
            for (int b = first; b < last; b++)
            {
                int start = bucketStarts[b];
                int length = bucketStarts[b + 1] - start;
                if (length == 0)
                {
                    continue;
                }

                var entries = GC.AllocateUninitializedArray<uint>(length);
                for (int i = 0; i < length; i++)
                {
                    entries[i] = (uint)sorted[start + i];
                }

                buckets[b] = entries;
            }
        });
        return buckets;
    }

    // Stable LSD sort on bits 16..47 (the position). Each pass counts digits per chunk and scatters
    // the chunks in parallel: chunk c writes digit d after every smaller digit and after chunks < c
    // with digit d, so the result equals the sequential stable sort. Returns the buffer holding it.
    private static ulong[] RadixSortByPosition(ulong[] items)
    {
        int chunks = Workers(items.Length);
        int chunkSize = (items.Length + chunks - 1) / chunks;
        ulong[] source = items;
        ulong[] target = GC.AllocateUninitializedArray<ulong>(items.Length);
        var counts = new int[chunks][];
        for (int pass = 0; pass < Passes; pass++)
        {
            int currentPass = pass;
            ulong[] from = source;
            ulong[] to = target;
            Parallel.For(0, chunks, c =>
            {
                var histogram = new int[DigitCount];
                int end = Math.Min(items.Length, (c + 1) * chunkSize);
                for (int i = c * chunkSize; i < end; i++)
                {
                    histogram[Digit(from[i], currentPass)]++;
                }

                counts[c] = histogram;
            });

            int sum = 0;
            for (int d = 0; d < DigitCount; d++)
            {
                for (int c = 0; c < chunks; c++)
                {
                    int n = counts[c][d];
                    counts[c][d] = sum;
                    sum += n;
                }
            }

            Parallel.For(0, chunks, c =>
            {
                int[] offsets = counts[c];
                int end = Math.Min(items.Length, (c + 1) * chunkSize);
                for (int i = c * chunkSize; i < end; i++)
                {
                    ulong item = from[i];
                    to[offsets[Digit(item, currentPass)]++] = item;
                }
            });

            (source, target) = (target, source);
        }

        return source;
    }

    // Small rings are built on one thread: scheduling work items would cost more than it saves.
    private static int Workers(int items) => items < 65_536 ? 1 : Environment.ProcessorCount;

    private static int Digit(ulong item, int pass) => (int)(item >> (16 + (pass * DigitBits))) & (DigitCount - 1);
}
