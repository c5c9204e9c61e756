using System.Diagnostics;
using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>
/// `distribution`: exact balance, movement, memory and build time of the ring at N = 100 and 1000, next to ketama with
/// 160 and 1000 points per backend. Every share and movement figure is computed exactly from the points.
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
        Console.WriteLine($"{"scheme",-12} {"N",5} {"seed",4} {"max/mean",9} {"min/mean",9} {"add x1/N",9} {"rem x1/N",9} " +
                          $"{"others?",7} {"memory MB",9} {"build ms",9} {"add ms",7} {"rem ms",7}");
        foreach (int n in Sizes)
        {
            foreach (int seed in Seeds)
            {
                RingRow(n, seed);
            }

            foreach (int points in new[] { 160, 1000 })
            {
                foreach (int seed in Seeds)
                {
                    KetamaRow(n, seed, points);
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

        Console.WriteLine($"{"nearest-3072",-12} {n,5} {seed,4} {shares.Max() / mean,9:F4} {shares.Min() / mean,9:F4} " +
                          $"{maxAdd,9:F4} {maxRemove,9:F4} {(othersMoved ? "YES" : "no"),7} {memory / 1048576.0,9:F2} " +
                          $"{buildMs,9:F2} {addMs,7:F3} {removeMs,7:F3}");
        GC.KeepAlive(ring);
    }

    private static void KetamaRow(int n, int seed, int points)
    {
        var random = new Random(seed);
        Backend[] backends = Workloads.Backends(random, n + MovementTrials);
        Backend[] members = backends[..n];
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var ring = new KetamaRing(members, points);
        long memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        double buildMs = MedianMs(3, () => new KetamaRing(members, points));
        double[] shares = ring.Shares();
        double mean = 1.0 / n;

        // With the successor rule an added backend takes exactly its own share, only from others: that is the movement.
        double maxAdd = 0;
        for (int t = 0; t < MovementTrials; t++)
        {
            Backend[] grownSet = [.. members, backends[n + t]];
            maxAdd = Math.Max(maxAdd, SharesById(new KetamaRing(grownSet, points), grownSet)[backends[n + t].Id] * (n + 1));
        }

        Console.WriteLine($"{"ketama-" + points,-12} {n,5} {seed,4} {shares.Max() / mean,9:F4} {shares.Min() / mean,9:F4} " +
                          $"{maxAdd,9:F4} {"",9} {"no",7} {memory / 1048576.0,9:F2} {buildMs,9:F2}");
        GC.KeepAlive(ring);
    }

    private static Dictionary<string, double> SharesById(KetamaRing ring, Backend[] backends)
    {
        Backend[] byId = backends.OrderBy(b => b.Id, StringComparer.Ordinal).ToArray();
        double[] shares = ring.Shares();
        return byId.Select((b, i) => (b.Id, shares[i])).ToDictionary(p => p.Id, p => p.Item2);
    }

    private static double MedianMs(int runs, Func<object> action)
    {
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
