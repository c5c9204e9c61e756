using System.Diagnostics;
using System.Text;

namespace AkkaRouter.Tests.Support;

/// <summary>What a finished command-line tool printed.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout split into lines, without the trailing empty line.</summary>
    public string[] Lines => Stdout.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs an external tool (redis-cli, redis-benchmark) with a deadline; stdin may be fed whole or line by line.
/// Killed on dispose, and (through <see cref="ChildProcesses"/>) when the test host exits first.
/// </summary>
public sealed class ToolProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Queue<string> _lines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ToolProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Starts the tool with redirected stdin/stdout/stderr (so redis-cli does not see a terminal).</summary>
    public static ToolProcess Start(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        var process = new Process { StartInfo = info };
        var wrapper = new ToolProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (wrapper._stdout)
            {
                wrapper._stdout.Append(e.Data).Append('\n');
                wrapper._lines.Enqueue(e.Data);
            }
            wrapper._lineArrived.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (wrapper._stderr) wrapper._stderr.Append(e.Data).Append('\n');
        };
        process.Start();
        ChildProcesses.Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs the tool to completion, feeding <paramref name="stdin"/> (then EOF).</summary>
    public static async Task<ToolResult> Run(string tool, string? stdin, TimeSpan timeout, params string[] args)
    {
        await using var process = Start(tool, args);
        if (stdin is not null)
            await process.WriteStdin(stdin);
        return await process.Finish(timeout);
    }

    public static Task<ToolResult> RedisCli(int port, params string[] args) =>
        Run("redis-cli", null, TimeSpan.FromSeconds(20), ["-h", "127.0.0.1", "-p", port.ToString(), .. args]);

    public async Task WriteStdin(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Writes one line to stdin and returns the next line the tool prints.</summary>
    public async Task<string> SendLine(string line, TimeSpan? timeout = null)
    {
        await WriteStdin(line + "\n");
        return await NextLine(timeout);
    }

    /// <summary>The next stdout line not yet returned.</summary>
    public async Task<string> NextLine(TimeSpan? timeout = null)
    {
        if (!await _lineArrived.WaitAsync(timeout ?? TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"no output line; so far:\n{Snapshot()}");
        lock (_stdout) return _lines.Dequeue();
    }

    /// <summary>Closes stdin and waits for the exit; kills the tool if it outlives <paramref name="timeout"/>.</summary>
    public async Task<ToolResult> Finish(TimeSpan timeout)
    {
        _process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_process.StartInfo.FileName} still running after {timeout.TotalSeconds:0} s; so far:\n{Snapshot()}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return Snapshot();
    }

    private ToolResult Snapshot()
    {
        lock (_stdout)
        lock (_stderr)
            return new ToolResult(_process.HasExited ? _process.ExitCode : -1, _stdout.ToString(), _stderr.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        ChildProcesses.Forget(_process);
        _process.Dispose();
    }
}
