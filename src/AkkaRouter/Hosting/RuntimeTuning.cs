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
    }
}
