using System.Diagnostics;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>Waits for a condition with a deadline instead of sleeping blindly.</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    public static async Task True(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"not true after {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(Poll);
        }
    }

    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"not true after {timeout.TotalSeconds:0.#} s: {what}");
            await Task.Delay(Poll);
        }
    }
}
