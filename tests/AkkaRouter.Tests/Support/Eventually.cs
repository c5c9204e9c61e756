using System.Diagnostics;

namespace AkkaRouter.Tests.Support;

/// <summary>Waits for a condition with a deadline instead of sleeping blindly.</summary>
public static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"not true after {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }
}
