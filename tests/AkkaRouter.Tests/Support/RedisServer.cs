using System.Diagnostics;
using System.Net.Sockets;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// A real redis-server (the Debian package tests/run.sh installs) listening only on a unix socket of its own
/// (TCP off with --port 0), so it can never collide with another test's port; killed on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, string socketPath)
    {
        _process = process;
        _directory = directory;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static async Task<RedisServer> Start()
    {
        var directory = Directory.CreateTempSubdirectory("akkarouter-redis-").FullName;
        var socketPath = Path.Combine(directory, "redis.sock");
        var info = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var a in new[] { "--port", "0", "--unixsocket", socketPath, "--save", "", "--appendonly", "no", "--dir", directory })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        ChildProcesses.Track(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, socketPath);
        try
        {
            await EventuallyAsync.True(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"redis-server exited with {process.ExitCode}");
                try
                {
                    using var probe = await server.Connect();
                    return true;
                }
                catch (SocketException)
                {
                    return false;
                }
            }, StartDeadline, "redis-server accepts connections on its unix socket");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>A raw connection to the server's unix socket.</summary>
    public async Task<Socket> Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
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
        Directory.Delete(_directory, recursive: true);
    }
}
