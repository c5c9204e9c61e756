using System.Diagnostics;
using System.Globalization;
using AkkaRouter.Placement;
using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>
/// What grows with the fleet, measured on this machine: the replicated backend state (one Akka.DistributedData value
/// holding every backend's health entry and override, sent whole by each write and by gossip repair) — its encoded
/// size, encode/decode and merge times; placement and the ring for N backends — one event's rebuild (place + apply),
/// a build from scratch, a snapshot's memory; and, with <c>--members M,...</c>, M cluster members in one process
/// (<see cref="ClusterScale"/>). Run: <c>dotnet run -c Release --project tests/AkkaRouter.Benchmarks -- scale</c>.
/// </summary>
public static class ScaleCheck
{
    public static void Run(string[] args)
    {
        var sizes = Option(args, "--backends", "100,1000,5000");
        var members = Option(args, "--members", "10,20,40");
        Console.WriteLine($"scale: {DateTime.UtcNow:yyyy-MM-ddTHH:mmZ}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("Times: median CPU time of the measuring thread.");
        Console.WriteLine("| backends | state encoded | per backend | encode | decode | merge (1 entry changed) | place | ring apply (1 changed) | ring build | ring memory |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var n in sizes)
            StateAndRing(n);
        Console.WriteLine();
        if (members.Length > 0)
            ClusterScale.Run(members);
    }

    private static void StateAndRing(int n)
    {
        var random = new Random(13);
        var endpoints = Workloads.Backends(random, n).Select(b => b.Endpoint).ToArray();
        var identities = endpoints.Select((e, i) => new BackendIdentity(e, e, i % 2 == 0 ? "zone-a" : "zone-b", 1.0,
            Writer(e, i), HealthChecked: true)).ToArray();
        // Every backend has a health entry; one in ten an operator override, as after some drains and weight changes.
        var table = BackendStateTable.Empty;
        for (var i = 0; i < n; i++)
        {
            table = table.WithHealth(endpoints[i], new HealthReport(HealthStatus.Up, 1.0, "", 1_764_950_000_000 + i,
                new StateVersion(3, 40 + i % 7), Writer(endpoints[i], i)));
            if (i % 10 == 0)
                table = table.WithOverride(endpoints[i], new OperatorOverride(false, 2.0, "weight 2 via management API",
                    new StateVersion(2, 1), "akka.tcp://akkarouter@10.0.0.1:4053#1234567890"));
        }
        var changed = table.WithHealth(endpoints[n / 2], new HealthReport(HealthStatus.Unhealthy, 1.0, "connection refused",
            1_764_950_100_000, new StateVersion(3, 99), Writer(endpoints[n / 2], n / 2)));

        var bytes = BackendStateCodec.Write(table);
        var encode = Time(() => BackendStateCodec.Write(table));
        var decode = Time(() => BackendStateCodec.Read(bytes));
        var merge = Time(() => table.Merge(changed));

        var settings = PlacementSettings.Default;
        var backends = BackendPlacement.Place(identities, table, settings);
        var place = Time(() => BackendPlacement.Place(identities, changed, settings));
        var ring = RingSnapshot.Build(backends);
        var next = BackendPlacement.Place(identities, changed, settings);
        var apply = Time(() => ring.Apply(next), budget: 3);
        var build = Time(() => RingSnapshot.Build(backends), budget: 3);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(true);
        var held = RingSnapshot.Build(backends);
        var memory = GC.GetTotalMemory(true) - before;
        GC.KeepAlive(held);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {n:N0} | {bytes.Length / 1024.0:N1} KiB | {bytes.Length / (double)n:N0} B | {Ms(encode)} | {Ms(decode)} | {Ms(merge)} | {Ms(place)} | {Ms(apply)} | {Ms(build)} | {memory / 1048576.0:N1} MiB |"));
    }

    // A sidecar names itself by its member incarnation: its Akka address and uid.
    private static string Writer(string endpoint, int i) =>
        $"akka.tcp://akkarouter@{endpoint.Split(':')[0]}:4053#{1_000_000_000 + i * 7919}";

    // The median CPU time of this thread (getrusage RUSAGE_THREAD: the machine is shared, so wall time would measure
    // the neighbours) over repeated samples, within about `budget` seconds (at least 5 samples after one warm-up run).
    // The kernel accounts thread CPU time in scheduler ticks, so each sample repeats the action for at least 50 ms.
    private static double Time(Func<object> action, double budget = 1)
    {
        action();
        var repeat = 1;
        while (repeat < 1_000_000 && Cpu(action, repeat) < 50)
            repeat *= 4;
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (samples.Count < 5 || (total.Elapsed.TotalSeconds < budget && samples.Count < 200))
        {
            samples.Add(Cpu(action, repeat) / repeat);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static double Cpu(Func<object> action, int repeat)
    {
        var start = ThreadCpuMs();
        for (var i = 0; i < repeat; i++)
            GC.KeepAlive(action());
        return ThreadCpuMs() - start;
    }

    private static double ThreadCpuMs()
    {
        if (GetRusage(1, out var usage) != 0)
            throw new InvalidOperationException("getrusage(RUSAGE_THREAD) failed");
        return (usage.UserSeconds + usage.SystemSeconds) * 1000.0 + (usage.UserMicros + usage.SystemMicros) / 1000.0;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRss, Ixrss, Idrss, Isrss, Minflt, Majflt, Nswap, Inblock, Oublock, Msgsnd, Msgrcv, Nsignals, Nvcsw, Nivcsw;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, out Rusage usage);

    private static string Ms(double ms) => ms >= 10 ? $"{ms:N0} ms" : ms >= 0.1 ? $"{ms:N2} ms" : $"{ms * 1000:N0} µs";

    private static int[] Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        var text = i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return text.Length == 0 || text == "0"
            ? []
            : text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
