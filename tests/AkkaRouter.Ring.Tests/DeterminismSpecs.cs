using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class DeterminismSpecs
{
    [Theory(DisplayName = "Any insertion order and any sequence of Apply steps gives the same owners and checksum")]
    [InlineData(21, 25)]
    [InlineData(22, 120)]
    public void Order_and_history_independent(int seed, int backendCount)
    {
        var random = new Random(seed);
        Backend[] backends = RingGen.Backends(random, backendCount, randomWeights: true);
        string[] keys = RingGen.Keys(random, 2000);
        var reference = RingSnapshot.Build(backends);
        string[] expected = keys.Select(k => reference.Owner(k)!.Id).ToArray();

        var rings = new List<RingSnapshot> { RingSnapshot.Build(RingGen.Shuffled(random, backends), version: 99) };

        // Grow one by one in random order, with detours through extra backends and wrong weights.
        RingSnapshot grown = RingSnapshot.Empty;
        var present = new List<Backend>();
        Backend[] extras = RingGen.Backends(random, 5, prefix: "192.168");
        foreach (Backend backend in RingGen.Shuffled(random, backends))
        {
            present.Add(new Backend(backend.Id, backend.Endpoint, backend.Weight * 2 + 0.5, backend.Zone));
            grown = grown.Apply([.. present, .. extras.Take(random.Next(extras.Length))]);
            present[^1] = backend;
            grown = grown.Apply(present);
        }

        rings.Add(grown);

        // Shrink from a superset by removing the extras in batches.
        RingSnapshot shrunk = RingSnapshot.Build([.. backends, .. extras]);
        shrunk = shrunk.Apply([.. backends, .. extras.Take(2)]);
        rings.Add(shrunk.Apply(backends));

        foreach (RingSnapshot ring in rings)
        {
            Assert.Equal(reference.Checksum, ring.Checksum);
            Assert.Equal(reference.PointCount, ring.PointCount);
            Assert.Equal(expected, keys.Select(k => ring.Owner(k)!.Id));
            Assert.Equal(reference.Shares(), ring.Shares());
        }
    }

    [Fact(DisplayName = "Checksum ignores version but sees every field of every backend")]
    public void Checksum_covers_fields()
    {
        Backend[] backends = RingGen.Backends(new Random(23), 10);
        ulong baseline = RingSnapshot.Build(backends, version: 1).Checksum;
        Assert.Equal(baseline, RingSnapshot.Build(backends.Reverse(), version: 7).Checksum);
        Backend first = backends[0];
        Backend[][] variants =
        [
            [new Backend(first.Id + "x", first.Endpoint, first.Weight, first.Zone), .. backends[1..]],
            [new Backend(first.Id, first.Endpoint + "x", first.Weight, first.Zone), .. backends[1..]],
            [new Backend(first.Id, first.Endpoint, first.Weight + 0.0001, first.Zone), .. backends[1..]],
            [new Backend(first.Id, first.Endpoint, first.Weight, first.Zone + "x"), .. backends[1..]],
            backends[1..],
        ];
        Assert.All(variants, v => Assert.NotEqual(baseline, RingSnapshot.Build(v).Checksum));
    }

    [Fact(DisplayName = "A separate process (with different runtime settings) computes the same owners and checksum")]
    public void Separate_process_agrees()
    {
        var random = new Random(24);
        Backend[] backends = RingGen.Backends(random, 50, randomWeights: true);
        string[] keys = RingGen.Keys(random, 3000).Select(k => k.Replace('\t', ' ')).ToArray();
        var ring = RingSnapshot.Build(backends);

        string probe = Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProbeAssembly").Value!;
        Assert.True(File.Exists(probe), $"Probe not built at {probe}");
        var start = new ProcessStartInfo("dotnet", [probe])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        // Different runtime configuration than the test host: placement must not notice.
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_gcServer"] = "1";
        using Process process = Process.Start(start)!;
        var writer = process.StandardInput;
        foreach (Backend b in RingGen.Shuffled(random, backends))
        {
            writer.WriteLine($"B\t{b.Id}\t{b.Endpoint}\t{b.Weight.ToString("R", CultureInfo.InvariantCulture)}\t{b.Zone}");
        }

        foreach (string key in keys)
        {
            writer.WriteLine($"K\t{key}");
        }

        writer.Close();
        string[] lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(process.WaitForExit(60_000));
        Assert.Equal(0, process.ExitCode);
        Assert.Equal($"checksum\t{ring.Checksum:x16}", lines[0]);
        Assert.Equal(keys.Select(k => ring.Owner(k)!.Id), lines[1..]);
    }
}
