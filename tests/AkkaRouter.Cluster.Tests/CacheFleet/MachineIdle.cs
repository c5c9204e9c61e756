using System.Globalization;

namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>
/// Waits until the machine's CPUs are mostly idle (from /proc/stat), so a cell's warm-up does not
/// overlap the start-up work of processes the cell just started (JIT, cluster formation).
/// </summary>
public static class MachineIdle
{
    /// <summary>Waits until the idle share over one second reaches <paramref name="idleShare"/>; returns what it saw last.</summary>
    public static async Task<double> Wait(double idleShare, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = 0.0;
        while (DateTime.UtcNow < deadline)
        {
            var (idle1, total1) = Read();
            await Task.Delay(1000);
            var (idle2, total2) = Read();
            last = total2 == total1 ? 1 : (double)(idle2 - idle1) / (total2 - total1);
            if (last >= idleShare)
                return last;
        }
        return last;
    }

    private static (long Idle, long Total) Read()
    {
        if (!File.Exists("/proc/stat"))
            return (1, 1);
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (cpu[3] + cpu[4], cpu.Sum());
    }
}
