using System.Diagnostics;
using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>
/// `distribution`: exact balance, movement, memory and build time of the ring at N = 100 and 1000, next to ketama with
/// 160 and 1000 points per backend on the ring's own hash (XXH3), and nginx's `hash consistent` ketama (160 points,
/// CRC32). Every share and movement figure is computed exactly from the points. Build times are medians of 3 after one
/// untimed warm-up build, for every scheme; the ring builds on every core (as the node does), ketama on one thread
/// (as nginx does) — the column says which.
/// </summary>
public static class DistributionCheck
{
    private static readonly int[] Sizes = [100, 1000];
    private static readonly int[] Seeds = [1, 2, 3];
    private const int MovementTrials = 5;

    public static void Run()
    {
        Console.WriteLine($"Ring: nearest-point rule, {RingSnapshot.PointsPerUnitWeight} points per unit weight. Targets: " +
                          "max/mean <= 1.10 & min/mean >= 0.90 (N=1000), <= 1.05 & >= 0.95 (N=100); movement <= 1.10 x 1/N; " +
                          "memory <= 16 MB; build <= 50 ms; add/remove <= 2 ms.");
        Console.WriteLine();
        Console.WriteLine($"{"scheme",-17} {"N",5} {"seed",4} {"max/mean",9} {"min/mean",9} {"add x1/N",9} {"rem x1/N",9} " +
                          $"{"others?",7} {"memory MB",9} {"build ms",9} {"threads",7} {"add ms",7} {"rem ms",7}");
        foreach (int n in Sizes)
        {
            foreach (int seed in Seeds)
            {
                RingRow(n, seed);
            }

            foreach (var (points, hash) in new[] { (160, KetamaHash.Xxh3), (1000, KetamaHash.Xxh3), (160, KetamaHash.NginxCrc32) })
            {
                foreach (int seed in Seeds)
                {
                    KetamaRow(n, seed, points, hash);
                }
            }
        }
    }

    private static void RingRow(int n, int seed)
    {
        var random = new Random(seed);
        Backend[] backends = Workloads.Backends(random, n + MovementTrials);
        Backend[] members = backends[..n];

        long before = GC.GetTotalMemory(forceFullCollection: true);
        RingSnapshot ring = RingSnapshot.Build(members);
        long memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        double buildMs = MedianMs(3, () => RingSnapshot.Build(members));

        double[] shares = ring.Shares().Values.ToArray();
        double mean = 1.0 / n;
        double maxAdd = 0, maxRemove = 0, addMs = 0, removeMs = 0;
        bool othersMoved = false;
        for (int t = 0; t < MovementTrials; t++)
        {
            Backend newcomer = backends[n + t];
            Backend[] grown = [.. members, newcomer];
            addMs = Math.Max(addMs, MedianMs(3, () => ring.Apply(grown)));
            RingMovement added = RingDiff.Compare(ring, ring.Apply(grown));
            maxAdd = Math.Max(maxAdd, added.MovedFraction * (n + 1));
            othersMoved |= added.Gained.Keys.Any(id => id != newcomer.Id);

            Backend victim = members[random.Next(n)];
            Backend[] shrunk = members.Where(b => b != victim).ToArray();
            removeMs = Math.Max(removeMs, MedianMs(3, () => ring.Apply(shrunk)));
            RingMovement removed = RingDiff.Compare(ring, ring.Apply(shrunk));
            maxRemove = Math.Max(maxRemove, removed.MovedFraction * n);
            othersMoved |= removed.Lost.Keys.Any(id => id != victim.Id);
        }

        Console.WriteLine($"{"nearest-3072",-17} {n,5} {seed,4} {shares.Max() / mean,9:F4} {shares.Min() / mean,9:F4} " +
                          $"{maxAdd,9:F4} {maxRemove,9:F4} {(othersMoved ? "YES" : "no"),7} {memory / 1048576.0,9:F2} " +
                          $"{buildMs,9:F2} {Environment.ProcessorCount,7} {addMs,7:F3} {removeMs,7:F3}");
        GC.KeepAlive(ring);
    }

    private static void KetamaRow(int n, int seed, int points, KetamaHash hash)
    {
        var random = new Random(seed);
        Backend[] backends = Workloads.Backends(random, n + MovementTrials);
        Backend[] members = backends[..n];
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var ring = new KetamaRing(members, points, hash);
        long memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        double buildMs = MedianMs(3, () => new KetamaRing(members, points, hash));
        double[] shares = ring.Shares();
        double mean = 1.0 / n;

        // The same trials as the ring's: add a newcomer, remove a random member; movement measured exactly.
        double maxAdd = 0, maxRemove = 0;
        bool othersMoved = false;
        for (int t = 0; t < MovementTrials; t++)
        {
            var added = KetamaRing.Movement(ring, new KetamaRing([.. members, backends[n + t]], points, hash));
            maxAdd = Math.Max(maxAdd, added.MovedFraction * (n + 1));
            Backend victim = members[random.Next(n)];
            var removed = KetamaRing.Movement(ring, new KetamaRing(members.Where(b => b != victim).ToArray(), points, hash));
            maxRemove = Math.Max(maxRemove, removed.MovedFraction * n);
            othersMoved |= added.OthersMoved || removed.OthersMoved;
        }

        string scheme = hash == KetamaHash.NginxCrc32 ? $"nginx-crc32-{points}" : $"ketama-{points}";
        Console.WriteLine($"{scheme,-17} {n,5} {seed,4} {shares.Max() / mean,9:F4} {shares.Min() / mean,9:F4} " +
                          $"{maxAdd,9:F4} {maxRemove,9:F4} {(othersMoved ? "YES" : "no"),7} {memory / 1048576.0,9:F2} {buildMs,9:F2} {1,7}");
        GC.KeepAlive(ring);
    }

    private static double MedianMs(int runs, Func<object> action)
    {
        GC.KeepAlive(action());   // warm-up, untimed: JIT and first-touch costs are not the build's
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            GC.KeepAlive(action());
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }
}
