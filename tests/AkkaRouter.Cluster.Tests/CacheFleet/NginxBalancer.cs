using System.Diagnostics;
using System.Net.Sockets;
using AkkaRouter.Cluster.Tests.Harness;

namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>
/// nginx as its users run it in front of a fleet: `worker_processes auto`, one upstream with a shared
/// zone (so every worker sees the same least_conn counts and failures), keep-alive connections to the
/// upstream without a request cap, the stock passive health (max_fails=1 fail_timeout=10s) and
/// proxy_next_upstream on connect errors. One listener per client zone, all on the same upstream:
/// nginx has no zone affinity. <see cref="Reload"/> rewrites the server list and sends SIGHUP, as an
/// operator (or a config generator) adds an instance.
/// </summary>
public sealed class NginxBalancer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly string _policy;
    private readonly IReadOnlyList<(string Zone, int Port)> _listeners;

    private NginxBalancer(Process process, string directory, string policy, IReadOnlyList<(string Zone, int Port)> listeners)
    {
        _process = process;
        _directory = directory;
        _policy = policy;
        _listeners = listeners;
    }

    public IReadOnlyList<FleetFront> Fronts => _listeners.Select(l => new FleetFront(l.Zone, $"http://127.0.0.1:{l.Port}")).ToArray();

    /// <summary>How many sets of ports <see cref="Start"/> tries when another socket takes one before nginx binds it.</summary>
    private const int PortAttempts = 5;

    /// <summary>
    /// Starts nginx with <paramref name="policy"/> ("" = round-robin, "least_conn;", "hash $request_uri consistent;").
    /// nginx cannot report ports it picked, so they are picked up front; when one is taken before nginx binds it
    /// (nginx exits with "Address already in use"), it starts again on new ones.
    /// </summary>
    public static async Task<NginxBalancer> Start(string policy, IEnumerable<string> zones, IEnumerable<string> servers)
    {
        var zoneList = zones.ToList();
        var serverList = servers.ToList();
        for (var attempt = 1; ; attempt++)
        {
            var nginx = await StartOn(policy, zoneList.Select(z => (z, FreePorts.Next())).ToArray(), serverList);
            if (nginx is not null)
                return nginx;
            if (attempt == PortAttempts)
                throw new InvalidOperationException($"nginx found one of its ports taken {PortAttempts} times in a row");
        }
    }

    /// <summary>Null when one of the ports was taken before nginx bound it.</summary>
    private static async Task<NginxBalancer?> StartOn(string policy, (string Zone, int Port)[] listeners, IReadOnlyList<string> servers)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"akkarouter-fleet-nginx-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        WriteConfig(directory, policy, listeners, servers);
        var info = new ProcessStartInfo("/usr/sbin/nginx") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-g", "daemon off;" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        AkkaRouter.Tests.Support.ChildProcesses.Track(process);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var nginx = new NginxBalancer(process, directory, policy, listeners);
        // nginx writes its pid file once it has bound every listener: before that, a connect could reach
        // whichever socket took a port.
        var pid = Path.Combine(directory, "nginx.pid");
        await Eventually.True(() => process.HasExited || (File.Exists(pid) && listeners.All(l => Accepts(l.Item2))), TimeSpan.FromSeconds(20), "nginx listening");
        if (process.HasExited)
        {
            await process.WaitForExitAsync(); // drains the output readers
            var log = nginx.ErrorLog() + "\n" + string.Join('\n', output);
            await nginx.DisposeAsync();
            if (log.Contains("Address already in use", StringComparison.Ordinal))
                return null;
            throw new InvalidOperationException($"nginx exited at start: {log}");
        }
        return nginx;
    }

    /// <summary>Rewrites the upstream's servers and reloads (SIGHUP: new workers, old ones finish their requests).</summary>
    public async Task Reload(IEnumerable<string> servers)
    {
        WriteConfig(_directory, _policy, _listeners, servers);
        Posix.Kill(_process.Id, 1);
        // The new configuration is in force once the master has logged the reconfiguration.
        await Eventually.True(() => ErrorLog().Contains("reconfiguring", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "nginx reloaded");
    }

    public string ErrorLog()
    {
        var log = Path.Combine(_directory, "error.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    private static void WriteConfig(string directory, string policy, IEnumerable<(string Zone, int Port)> listeners, IEnumerable<string> servers)
    {
        var serverLines = string.Join("\n", servers.Select(s => $"        server {s};"));
        var listenLines = string.Join("\n", listeners.Select(l => $"        listen 127.0.0.1:{l.Port};"));
        File.WriteAllText(Path.Combine(directory, "nginx.conf"), $$"""
            # Generated by NginxBalancer (cache-fleet benchmark): nginx as a load balancer in front of the fleet.
            worker_processes auto;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log notice;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                upstream fleet {
                    zone fleet 256k;
                    {{policy}}
            {{serverLines}}
                    keepalive 256;
                    keepalive_requests 1000000000;
                    keepalive_timeout 300s;
                }
                server {
            {{listenLines}}
                    location / {
                        proxy_pass http://fleet;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_next_upstream error timeout;
                        proxy_connect_timeout 3s;
                    }
                }
            }
            """);
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Kill(_process.Id, Posix.SIGTERM);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        AkkaRouter.Tests.Support.ChildProcesses.Forget(_process);
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
