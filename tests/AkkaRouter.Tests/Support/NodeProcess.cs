using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// An `akkarouter` process started from the built executable, its output captured. Killed on dispose, and
/// (through <see cref="ChildProcesses"/>) when the test host exits first.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<string> _tempFiles = new();

    private NodeProcess(Process process) => _process = process;

    /// <summary>Everything the process printed so far (stdout and stderr, in arrival order).</summary>
    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public int Pid => _process.Id;

    /// <summary>The executable built beside the test assembly (the same one `dotnet publish` ships).</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "akkarouter.exe" : "akkarouter");

    /// <summary>Starts `akkarouter ARGS`, writing each HOCON text to a temporary --config file.</summary>
    public static NodeProcess Start(IEnumerable<string> args, params string[] hoconFiles) =>
        Start(args, new Dictionary<string, string>(), hoconFiles);

    /// <summary>Starts `akkarouter ARGS` with <paramref name="environment"/> added to the test's environment.</summary>
    public static NodeProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, params string[] hoconFiles)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        var temp = new List<string>();
        foreach (var hocon in hoconFiles)
        {
            var file = Path.Combine(Path.GetTempPath(), $"akkarouter-test-{Guid.NewGuid():N}.conf");
            File.WriteAllText(file, hocon);
            temp.Add(file);
            info.ArgumentList.Add("--config");
            info.ArgumentList.Add(file);
        }
        var process = new Process { StartInfo = info };
        var node = new NodeProcess(process);
        node._tempFiles.AddRange(temp);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._lines.Enqueue(e.Data); };
        process.Start();
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until a line containing <paramref name="text"/> was printed.</summary>
    public Task WaitForOutput(string text, TimeSpan timeout) =>
        Eventually.True(() => _lines.Any(l => l.Contains(text, StringComparison.Ordinal)) || _process.HasExited, timeout, $"output '{text}'")
            .ContinueWith(t =>
            {
                if (t.IsFaulted || !_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                    throw new TimeoutException($"'{text}' not printed; output so far:\n{Output}");
            }, TaskScheduler.Default);

    /// <summary>
    /// The port a listener bound, read from the line the node logs for it ("RESP lookups listening on",
    /// "HTTP edge listening on", "Command palette listening on", "Management HTTP listening on"): configure
    /// the listener with port 0 and ask here, so no port is picked up front for another socket to take.
    /// </summary>
    public async Task<int> ListeningPort(string listener, TimeSpan timeout)
    {
        await WaitForOutput(listener, timeout);
        var pattern = new Regex(Regex.Escape(listener) + @" [^\s:]+:(\d+)");
        var match = _lines.Select(l => pattern.Match(l)).First(m => m.Success);
        return int.Parse(match.Groups[1].Value);
    }

    /// <summary>The remoting address the node bound ("akka.tcp://akkarouter@HOST:PORT"), as Akka logs it once remoting started.</summary>
    public async Task<string> RemotingAddress(TimeSpan timeout)
    {
        await WaitForOutput("Remoting started; listening on addresses", timeout);
        return _lines.Select(l => RemotingStarted().Match(l)).First(m => m.Success).Groups[1].Value;
    }

    [GeneratedRegex(@"Remoting started; listening on addresses : \[([^\]]+)\]")]
    private static partial Regex RemotingStarted();

    /// <summary>Sends SIGTERM, as an orchestrator or `kill` does.</summary>
    public void Terminate() => Posix.Kill(_process.Id, Posix.SIGTERM);

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        ChildProcesses.Forget(_process);
        _process.Dispose();
        foreach (var file in _tempFiles)
            File.Delete(file);
    }
}
