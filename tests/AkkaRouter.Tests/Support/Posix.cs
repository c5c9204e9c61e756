using System.Runtime.InteropServices;

namespace AkkaRouter.Tests.Support;

/// <summary>Signals for process tests (.NET's Process has no way to send SIGTERM).</summary>
internal static partial class Posix
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
