using System.Runtime.InteropServices;

namespace AkkaRouter.Hosting;

/// <summary>Process-wide runtime settings that must be in place before the first socket opens.</summary>
public static class RuntimeTuning
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string SocketThreads = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Runs socket continuations on the epoll thread instead of the thread pool. Measured with
    /// redis-benchmark on 2 cores (tests/AkkaRouter.Benchmarks/resp-vs-redis.sh): c50/P1 went from
    /// 0.79x to 1.06x of redis-server; every RESP read is answered without blocking, so nothing
    /// stalls the epoll thread. An operator can still set the variable to 0.
    /// </summary>
    /// <remarks>
    /// On 2 cores or fewer, one epoll thread instead of one per core: with the HTTP edge also running
    /// inline on the epoll threads, two of them competing for 2 cores (with the client and backends)
    /// doubled the edge's p99 (http-vs-nginx.sh: 3.9-5.6 ms against nginx's 2.7 ms; 2.5 ms with one
    /// thread). resp-vs-redis.sh ROUNDS=3 showed no RESP loss (c50/P1 1.02x vs 1.01x, c50/P16 0.92x vs
    /// 0.84x, c1 1.03x vs 1.04x). An operator can still set the variable.
    /// </remarks>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        if (Environment.GetEnvironmentVariable(SocketThreads) is null && Environment.ProcessorCount <= 2)
            Environment.SetEnvironmentVariable(SocketThreads, "1");
        LimitMallocArenas();
    }

    private const string ArenaMax = "MALLOC_ARENA_MAX";

    /// <summary>The malloc arenas glibc may create from here on, unless the operator set MALLOC_ARENA_MAX.</summary>
    public const int MallocArenas = 2;

    /// <summary>
    /// Caps glibc's malloc arenas at <see cref="MallocArenas"/>, as MALLOC_ARENA_MAX=2 would, unless the operator set
    /// that variable. glibc gives threads their own arenas, up to 8 per core; each keeps the memory it once held. In the
    /// endurance runs every long-lived node's RSS grew by 20-25 MB over 35 minutes outside the GC heap, with its 15
    /// arenas (the limit on 2 cores) holding about 60 MB while the process called malloc about 9 times a second
    /// (thread-pool threads starting, the tiered JIT). Side by side under the same load for 20 minutes, a router with
    /// MALLOC_ARENA_MAX=2 held 17 MB in malloc memory against 30 MB, and 155 MB RSS against 178 MB
    /// (tests/AkkaRouter.Benchmarks/endurance.sh with ENV_ROUTER_2, 2026-12-06).
    /// </summary>
    /// <remarks>
    /// glibc fixes its arena limit the first time it needs a ninth arena, reading M_ARENA_MAX then, so setting it at the
    /// start of Main caps the arenas at those the runtime's first threads already have. Does nothing where malloc is
    /// not glibc's (musl, other systems): the call fails and is ignored.
    /// </remarks>
    private static void LimitMallocArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(ArenaMax) is not null)
            return;
        try
        {
            Mallopt(MArenaMax, MallocArenas);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    private const string Gen0Size = "DOTNET_GCgen0size";

    /// <summary>The gen0 budget above which the start line advises <c>DOTNET_GCgen0size</c>.</summary>
    public const long LargeGen0Budget = 32L << 20;

    /// <summary>The <c>DOTNET_GCgen0size</c> the Docker image sets and the start line advises: 32 MB.</summary>
    public const string AdvisedGen0Size = "0x2000000";

    /// <summary>
    /// One line at start on the garbage collector this node runs with: its mode, heaps and gen0 budget (the bytes
    /// allocated between two gen0 collections, so how far memory rises between them), with advice when that
    /// budget is large and the operator did not set it.
    /// </summary>
    /// <remarks>
    /// The runtime derives the workstation GC's gen0 budget from the size of the CPU's largest cache, which a VM can
    /// report as the host's: on the 2-core VM the endurance runs use, a 300 MB L3 gave an 80 MB budget. A node
    /// allocating slowly (a sidecar, a router under light load) then went minutes between collections, and its RSS
    /// rose and fell by ~100 MB with them: 190 MB committed by the GC for 34 MB of live objects, 3 gen2 collections in
    /// 22 minutes (endurance.sh, 2026-12-06). DOTNET_GCgen0size=0x2000000 (32 MB) bounds it; the runtime reads that
    /// only from the environment, before Main (neither runtimeconfig.json nor AppContext switches reach it, checked),
    /// so the Docker image sets it and this line tells a bare process's operator. The HTTP edge is no slower for it:
    /// http-vs-nginx.sh, 7 alternating rounds against the same build with the derived budget (2026-12-06): 32 MB gave
    /// throughput 1.04x, CPU per request 0.96x, p99 1.0x; 16 MB throughput 1.00x, CPU 1.02x, p99 about 1.2x (more
    /// collections, each a pause); server GC (whose dynamic adaptation sizes gen0 from the live heap) throughput 1.01x
    /// and p99 about 1.35x.
    /// </remarks>
    public static (string Line, bool Advise) DescribeGarbageCollector()
    {
        var variables = GC.GetConfigurationVariables();
        var server = variables.TryGetValue("ServerGC", out var s) && s is true;
        var concurrent = variables.TryGetValue("ConcurrentGC", out var c) && c is true;
        var heaps = variables.TryGetValue("HeapCount", out var h) ? Convert.ToInt64(h, System.Globalization.CultureInfo.InvariantCulture) : 1;
        var budget = variables.TryGetValue("GCGen0MaxBudget", out var b) ? Convert.ToInt64(b, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var set = Environment.GetEnvironmentVariable(Gen0Size) is { Length: > 0 };
        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Runtime: {(server ? "server" : "workstation")} GC{(concurrent ? ", concurrent" : "")}, {heaps} heap{(heaps == 1 ? "" : "s")}, gen0 budget {budget / (1024.0 * 1024):0.#} MB{(set ? $" ({Gen0Size})" : "")}");
        var advise = !server && !set && budget > LargeGen0Budget;
        if (advise)
            line += $"; memory rises by up to that much between collections: {Gen0Size}={AdvisedGen0Size} in the environment caps it at 32 MB, as the Docker image does";
        return (line, advise);
    }

    // glibc's malloc.h: #define M_ARENA_MAX -8
    private const int MArenaMax = -8;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);
}
