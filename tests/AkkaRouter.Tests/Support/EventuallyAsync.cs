using System.Diagnostics;

namespace AkkaRouter.Tests.Support;

/// <summary><see cref="Eventually"/> for conditions that must do I/O to be checked.</summary>
public static class EventuallyAsync
{
    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"not true after {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(50);
        }
    }
}
