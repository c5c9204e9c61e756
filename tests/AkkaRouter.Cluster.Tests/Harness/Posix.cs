using System.Runtime.InteropServices;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>Signals (.NET's Process can only SIGKILL).</summary>
internal static partial class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
