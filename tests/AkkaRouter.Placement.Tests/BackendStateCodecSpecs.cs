using AkkaRouter.Placement.Discovery;
using System.Diagnostics;

namespace AkkaRouter.Placement.Tests;

public class BackendStateCodecSpecs
{
    private static BackendStateTable Sample() => BackendStateTable.Empty
        .WithHealth("10.0.0.1:6379", new HealthReport(HealthStatus.Up, 1.0, "", 1_700_000_000_000, new StateVersion(2, 7), "akka.tcp://akkarouter@a:4053#1"))
        .WithHealth("10.0.0.2:6379", new HealthReport(HealthStatus.Warming, 0.36, "warming 2/10", 1_700_000_000_500, new StateVersion(1, 0), "singleton"))
        .WithHealth("ключ", new HealthReport(HealthStatus.Unhealthy, 0.0, "connect refused 🙂", -5, new StateVersion(0, 1), ""))
        .WithOverride("10.0.0.1:6379", new OperatorOverride(true, null, "drained by cmd", new StateVersion(4, 0), "router-1"))
        .WithOverride("10.0.0.2:6379", new OperatorOverride(false, 2.5, "weight by api", new StateVersion(1, 3), "router-2"))
        .WithOverride("b3", new OperatorOverride(true, 0.0, "", new StateVersion(9, 9), "router-1"));

    private static BackendStateTable RoundTrip(BackendStateTable table)
    {
        var skipped = new List<string>();
        var read = BackendStateCodec.Read(BackendStateCodec.Write(table), skipped);
        Assert.Empty(skipped);
        return read;
    }

    [Fact(DisplayName = "Round trip: reading what was written gives the same table (random tables, all value ranges)")]
    public void Round_trip_random()
    {
        for (int seed = 0; seed < 1500; seed++)
        {
            var random = new Random(seed);
            var table = seed % 2 == 0 ? StateGen.WideTable(random) : StateGen.Table(random, 20);
            var read = RoundTrip(table);
            Assert.True(table.Equals(read), $"seed {seed}\nwrote: {StateGen.Describe(table)}\nread:  {StateGen.Describe(read)}");
            // Field by field, since table equality relies on the records' equality.
            Assert.Equal(table.Health.ToArray(), read.Health.ToArray());
            Assert.Equal(table.Overrides.ToArray(), read.Overrides.ToArray());
        }

        Assert.True(RoundTrip(BackendStateTable.Empty).Equals(BackendStateTable.Empty));
        Assert.True(Sample().Equals(RoundTrip(Sample())));
    }

    [Fact(DisplayName = "The wire layout is the documented one: format byte, counts, little-endian numbers, length-prefixed UTF-8")]
    public void Wire_layout()
    {
        var table = BackendStateTable.Empty
            .WithHealth("b", new HealthReport(HealthStatus.Warming, 0.5, "ramp", 42, new StateVersion(3, 1), "w1"))
            .WithHealth("a", new HealthReport(HealthStatus.Unhealthy, 0, "ü", -1, new StateVersion(1, 0), "w2"))
            .WithOverride("a", new OperatorOverride(true, null, "d", new StateVersion(2, 0), "r"))
            .WithOverride("c", new OperatorOverride(false, 7.25, "", new StateVersion(5, 6), "r"));
        byte[] expected = new FrameBuilder()
            .Byte(2)
            .Int32(2)
            .Health("a", 2, 0, "ü", -1, 1, 0, "w2").Byte(0)
            .Health("b", 1, 0.5, "ramp", 42, 3, 1, "w1").Byte(0)
            .Int32(2)
            .Override("a", 1, 0, "d", 2, 0, "r")
            .Override("c", 2, 7.25, "", 5, 6, "r")
            .ToArray();
        Assert.Equal(expected, BackendStateCodec.Write(table));
        // Without discovered sets the frame stays format 2, readable by routers that know no later format.
        Assert.Equal(2, BackendStateCodec.Write(BackendStateTable.Empty)[0]);
    }

    [Fact(DisplayName = "Format 3 appends the discovered sets (source, version, writer, note, time, then each backend with its SRV record) and reads back equal")]
    public void Discovered_sets_layout()
    {
        var set = new DiscoveredSet(
            [new DiscoveredBackend("b1.svc:8081", "127.0.0.11:8081", "images", "z", new SrvRecord("b1.svc", 8081, 0, 30))],
            "kept", 99, new StateVersion(4, 2), "dns");
        var table = BackendStateTable.Empty.WithDiscovered("dns-srv:_c._tcp.svc", set);
        byte[] expected = new FrameBuilder()
            .Byte(3)
            .Int32(0)
            .Int32(0)
            .Int32(1)
            .String("dns-srv:_c._tcp.svc").Int64(4).Int64(2).String("dns").String("kept").Int64(99)
            .Int32(1)
            .String("b1.svc:8081").String("127.0.0.11:8081").String("images").String("z").String("b1.svc").Int32(8081).Int32(0).Int32(30)
            .ToArray();
        Assert.Equal(expected, BackendStateCodec.Write(table));
        Assert.Equal(BackendStateCodec.Format, expected[0]);
        Assert.Equal(table, BackendStateCodec.Read(expected));
    }

    [Fact(DisplayName = "A discovered set with an impossible record (port 0) is skipped whole and named; the rest of the frame is read")]
    public void Bad_discovered_set_is_skipped()
    {
        byte[] frame = new FrameBuilder()
            .Byte(3).Int32(1).Health("a", 0, 1).Byte(0).Int32(0)
            .Int32(1)
            .String("dns-srv:x").Int64(1).Int64(0).String("dns").String("").Int64(1)
            .Int32(2)
            .String("b1:1").String("127.0.0.1:1").String("default").String("").String("b1").Int32(1).Int32(0).Int32(1)
            .String("b2:0").String("127.0.0.1:0").String("default").String("").String("b2").Int32(0).Int32(0).Int32(1)
            .ToArray();
        var skipped = new List<string>();
        var table = BackendStateCodec.Read(frame, skipped);
        Assert.Empty(table.Discovered);
        Assert.Single(table.Health);
        Assert.Equal(["discovered set 'dns-srv:x' (2 backends)"], skipped);
    }

    [Fact(DisplayName = "Merging discovered sets keeps, per source, the higher version whatever the order")]
    public void Discovered_merge()
    {
        DiscoveredSet Set(long sequence, int weight) => new(
            [new DiscoveredBackend("b:1", "127.0.0.1:1", "default", "", new SrvRecord("b", 1, 0, weight))], "", sequence, new StateVersion(1, sequence), "dns");
        var older = BackendStateTable.Empty.WithDiscovered("s", Set(1, 10));
        var newer = BackendStateTable.Empty.WithDiscovered("s", Set(2, 20));
        Assert.Equal(20, older.Merge(newer).Discovered["s"].Backends[0].Srv.Weight);
        Assert.Equal(20, newer.Merge(older).Discovered["s"].Backends[0].Srv.Weight);
        Assert.Equal(older.Merge(newer), newer.Merge(older));
    }

    [Fact(DisplayName = "Format 2 carries each health entry's score (cache hit rate absent as NaN); format 1 frames are still read, without scores")]
    public void Score_and_format_1()
    {
        var scored = new ScoreReport(new ScoreInputs(0.9, 0.75, 2), 0.7, 0.7);
        var unscored = new ScoreReport(new ScoreInputs(1, null, 1), 1, 1);
        var table = BackendStateTable.Empty
            .WithHealth("a", new HealthReport(HealthStatus.Up, 0.7, "", 1, new StateVersion(1, 0), "w", scored))
            .WithHealth("b", new HealthReport(HealthStatus.Up, 1, "", 1, new StateVersion(1, 0), "w", unscored));
        byte[] expected = new FrameBuilder()
            .Byte(2)
            .Int32(2)
            .Health("a", 0, 0.7, "", 1, 1, 0, "w").Byte(1).Double(0.9).Double(0.75).Double(2).Double(0.7).Double(0.7)
            .Health("b", 0, 1, "", 1, 1, 0, "w").Byte(1).Double(1).Double(double.NaN).Double(1).Double(1).Double(1)
            .Int32(0)
            .ToArray();
        Assert.Equal(expected, BackendStateCodec.Write(table));
        Assert.Equal(table, BackendStateCodec.Read(expected));
        Assert.Null(BackendStateCodec.Read(expected).Health["b"].Score!.Inputs.CacheHitRate);

        byte[] format1 = new FrameBuilder().Byte(1).Int32(1).Health("a", 0, 0.7, "", 1, 1, 0, "w").Int32(0).ToArray();
        var read = BackendStateCodec.Read(format1);
        Assert.Equal(0.7, read.Health["a"].WeightFactor);
        Assert.Null(read.Health["a"].Score);
    }

    [Theory(DisplayName = "A frame of an unknown format is refused with FormatException")]
    [InlineData((byte)0)]
    [InlineData((byte)4)]
    [InlineData((byte)255)]
    public void Unknown_format(byte format)
    {
        byte[] frame = BackendStateCodec.Write(Sample());
        frame[0] = format;
        var error = Assert.Throws<FormatException>(() => BackendStateCodec.Read(frame));
        Assert.Contains(format.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }

    [Fact(DisplayName = "Every truncation of a valid frame, and trailing bytes after it, are refused with FormatException")]
    public void Truncated_and_trailing()
    {
        byte[] frame = BackendStateCodec.Write(Sample());
        for (int length = 0; length < frame.Length; length++)
        {
            byte[] prefix = frame[..length];
            Assert.Throws<FormatException>(() => BackendStateCodec.Read(prefix));
        }

        Assert.Throws<FormatException>(() => BackendStateCodec.Read([.. frame, 0]));
        Assert.Throws<FormatException>(() => BackendStateCodec.Read([.. BackendStateCodec.Write(BackendStateTable.Empty), 1, 2, 3]));
    }

    public static TheoryData<string, byte[]> AbsurdFrames() => new()
    {
        { "health count int.MaxValue", new FrameBuilder().Byte(1).Int32(int.MaxValue).Int32(0).ToArray() },
        { "health count -1", new FrameBuilder().Byte(1).Int32(-1).Int32(0).ToArray() },
        { "health count int.MinValue", new FrameBuilder().Byte(1).Int32(int.MinValue).ToArray() },
        { "health count 1000 with one entry", new FrameBuilder().Byte(1).Int32(1000).Health("a", 0, 1).Int32(0).ToArray() },
        { "override count int.MaxValue", new FrameBuilder().Byte(1).Int32(0).Int32(int.MaxValue).ToArray() },
        { "override count -7", new FrameBuilder().Byte(1).Int32(0).Int32(-7).ToArray() },
        { "id length int.MaxValue", new FrameBuilder().Byte(1).Int32(1).Int32(int.MaxValue).Byte(0).Double(1).ToArray() },
        { "id length -1", new FrameBuilder().Byte(1).Int32(1).Int32(-1).Byte(0).Double(1).String("").Int64(0).Int64(0).Int64(0).String("").Int32(0).ToArray() },
        { "reason length 1 GiB", new FrameBuilder().Byte(1).Int32(1).String("a").Byte(0).Double(1).Int32(1 << 30).Int64(0).Int64(0).Int64(0).String("").Int32(0).ToArray() },
        { "writer length one past the end", new FrameBuilder().Byte(1).Int32(1).String("a").Byte(0).Double(1).String("").Int64(0).Int64(0).Int64(0).Int32(1).ToArray() },
        { "override reason length int.MinValue", new FrameBuilder().Byte(1).Int32(0).Int32(1).String("a").Byte(0).Double(0).Int32(int.MinValue).Int64(0).Int64(0).String("").ToArray() },
        { "empty", Array.Empty<byte>() },
        { "format byte only", new byte[] { 1 } },
    };

    [Theory(DisplayName = "Absurd counts and string lengths are refused with FormatException, quickly and without allocating for them")]
    [MemberData(nameof(AbsurdFrames))]
    public void Absurd_counts_and_lengths(string what, byte[] frame)
    {
        // Warm up the throwing path so the measurement below sees only the read itself.
        Assert.Throws<FormatException>(() => BackendStateCodec.Read(frame));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        try
        {
            BackendStateCodec.Read(frame);
            Assert.Fail($"{what}: read succeeded");
        }
        catch (FormatException)
        {
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"{what}: allocated {allocated} bytes");
        // A guard against a read that loops over a claimed count, not a speed claim: measured under 1 ms per frame
        // (test and warm-up included) in a suite run, so 1 s is over 1,000 times that.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{what}: took {watch.Elapsed}");
    }

    [Fact(DisplayName = "Entries with an unknown status, a bad weight factor or weight, unknown flags or an empty id are skipped and named; the rest is kept")]
    public void Unusable_entries_are_skipped()
    {
        byte[] frame = new FrameBuilder()
            .Byte(1)
            .Int32(9)
            .Health("good-1", 0, 1.0, "", 10, 1, 0, "w")
            .Health("status-3", 3, 1.0)
            .Health("status-255", 255, 1.0)
            .Health("factor-nan", 1, double.NaN)
            .Health("factor-1.5", 1, 1.5)
            .Health("factor-negative", 1, -0.1)
            .Health("factor-infinity", 1, double.PositiveInfinity)
            .Health("", 0, 1.0)
            .Health("good-2", 1, 0.4, "warming", 20, 2, 3, "w2")
            .Int32(6)
            .Override("flags-4", 4, 0)
            .Override("weight-101", 2, 101)
            .Override("weight-nan", 2, double.NaN)
            .Override("weight-negative", 3, -1)
            .Override("good-3", 3, 100, "max", 7, 0, "r")
            .Override("good-4", 1, double.NaN, "drain; weight bits ignored without flag 2", 1, 1, "r")
            .ToArray();

        var skipped = new List<string>();
        var table = BackendStateCodec.Read(frame, skipped);

        Assert.Equal(["good-1", "good-2"], table.Health.Keys);
        Assert.Equal(new HealthReport(HealthStatus.Up, 1.0, "", 10, new StateVersion(1, 0), "w"), table.Health["good-1"]);
        Assert.Equal(new HealthReport(HealthStatus.Warming, 0.4, "warming", 20, new StateVersion(2, 3), "w2"), table.Health["good-2"]);
        Assert.Equal(["good-3", "good-4"], table.Overrides.Keys);
        Assert.Equal(new OperatorOverride(true, 100, "max", new StateVersion(7, 0), "r"), table.Overrides["good-3"]);
        Assert.Equal(new OperatorOverride(true, null, "drain; weight bits ignored without flag 2", new StateVersion(1, 1), "r"), table.Overrides["good-4"]);

        Assert.Equal(11, skipped.Count);
        foreach (string id in new[] { "status-3", "status-255", "factor-nan", "factor-1.5", "factor-negative", "factor-infinity", "flags-4", "weight-101", "weight-nan", "weight-negative" })
            Assert.Single(skipped, s => s.Contains($"'{id}'", StringComparison.Ordinal));
        Assert.Single(skipped, s => s.Contains("''", StringComparison.Ordinal));
        Assert.DoesNotContain(skipped, s => s.Contains("good", StringComparison.Ordinal));

        // Without a collection to report into, the same entries are skipped silently.
        Assert.True(table.Equals(BackendStateCodec.Read(frame)));
    }

    [Fact(DisplayName = "Fuzz: random bytes and mutated valid frames either read (and then round-trip) or throw FormatException")]
    public void Fuzz()
    {
        var random = new Random(77);
        var watch = Stopwatch.StartNew();
        int read = 0;
        int refused = 0;
        byte[][] seeds = [.. Enumerable.Range(0, 20).Select(i => BackendStateCodec.Write(i == 0 ? Sample() : StateGen.WideTable(new Random(500 + i))))];
        for (int i = 0; i < 6000; i++)
        {
            byte[] input = Mutate(random, seeds[random.Next(seeds.Length)], i);
            long before = GC.GetAllocatedBytesForCurrentThread();
            BackendStateTable? table = null;
            try
            {
                var skipped = new List<string>();
                table = BackendStateCodec.Read(input, skipped);
                read++;
            }
            catch (FormatException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i}: {e.GetType().Name} ({e.Message}) for {Convert.ToHexString(input)}");
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 256 * 1024 + (input.Length * 256L), $"case {i}: {allocated} bytes allocated for a {input.Length}-byte frame");

            if (table is not null)
            {
                // Whatever was accepted is a valid table: written again, it reads back the same, with nothing skipped.
                var again = RoundTrip(table);
                Assert.True(table.Equals(again), $"case {i}: accepted table does not round-trip: {StateGen.Describe(table)}");
            }
        }

        Assert.True(read > 100 && refused > 1000, $"the fuzz should exercise both outcomes: {read} read, {refused} refused");
        // A hang guard, not a speed claim: the whole fuzz measured 0.14 s in a suite run, 70 times under the bound.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"fuzz took {watch.Elapsed}");
    }

    private static byte[] Mutate(Random random, byte[] valid, int i)
    {
        switch (i % 6)
        {
            case 0:
            {
                // Pure noise, sometimes with a valid format byte.
                byte[] noise = new byte[random.Next(200)];
                random.NextBytes(noise);
                if (noise.Length > 0 && random.Next(2) == 0)
                    noise[0] = BackendStateCodec.Format;
                return noise;
            }

            case 1:
            {
                // A few flipped bytes.
                byte[] copy = (byte[])valid.Clone();
                int flips = 1 + random.Next(3);
                for (int f = 0; f < flips && copy.Length > 1; f++)
                    copy[1 + random.Next(copy.Length - 1)] = (byte)random.Next(256);
                return copy;
            }

            case 2:
            {
                // A single flipped bit: mostly reads that succeed with a changed value or a skipped entry.
                byte[] copy = (byte[])valid.Clone();
                int at = 1 + random.Next(copy.Length - 1);
                copy[at] ^= (byte)(1 << random.Next(8));
                return copy;
            }

            case 3:
            {
                // Truncated at a random point.
                return valid[..random.Next(valid.Length)];
            }

            case 4:
            {
                // A span deleted or duplicated.
                int start = random.Next(valid.Length);
                int length = random.Next(Math.Min(30, valid.Length - start) + 1);
                return random.Next(2) == 0
                    ? [.. valid[..start], .. valid[(start + length)..]]
                    : [.. valid[..(start + length)], .. valid[start..]];
            }

            default:
            {
                // A 4-byte little-endian integer overwritten with an extreme value (counts and lengths).
                byte[] copy = (byte[])valid.Clone();
                if (copy.Length >= 5)
                {
                    int at = 1 + random.Next(copy.Length - 4);
                    int value = random.Next(4) switch { 0 => int.MaxValue, 1 => -1, 2 => int.MinValue, _ => random.Next() };
                    BitConverter.TryWriteBytes(copy.AsSpan(at, 4), value);
                }

                return copy;
            }
        }
    }
}
