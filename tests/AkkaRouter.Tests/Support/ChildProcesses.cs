using System.Collections.Concurrent;
using System.Diagnostics;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// Every process the test helpers start, so that none outlives the test host: disposing a helper kills its
/// process, and when the host exits (a test run cancelled, a fixture that never disposed) whatever is still
/// registered is killed here.
/// </summary>
public static class ChildProcesses
{
    private static readonly ConcurrentDictionary<Process, byte> Running = new();

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    /// <summary>Registers a started process; it is killed (with its children) if the test host exits first.</summary>
    public static void Track(Process process) => Running[process] = 0;

    /// <summary>Forgets a process once its helper has stopped it.</summary>
    public static void Forget(Process process) => Running.TryRemove(process, out _);

    /// <summary>Whether a process with this id is registered (for the helpers' own specs).</summary>
    public static bool IsTracked(int pid) => Running.Keys.Any(p => Id(p) == pid);

    private static int? Id(Process process)
    {
        try { return process.Id; }
        catch (InvalidOperationException) { return null; }
    }

    private static void KillAll()
    {
        foreach (var process in Running.Keys)
        {
            try
            {
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // never started or already disposed
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // exited in between
            }
        }
    }
}
