namespace AkkaRouter.Hosting;

/// <summary>Process-wide runtime settings that must be in place before the first socket opens.</summary>
public static class RuntimeTuning
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Runs socket continuations on the epoll thread instead of the thread pool. Measured with
    /// redis-benchmark on 2 cores (tests/AkkaRouter.Benchmarks/resp-vs-redis.sh): c50/P1 went from
    /// 0.79x to 1.06x of redis-server; every RESP read is answered without blocking, so nothing
    /// stalls the epoll thread. An operator can still set the variable to 0.
    /// </summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
    }
}
