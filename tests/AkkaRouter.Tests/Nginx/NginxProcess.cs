using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Nginx;

/// <summary>
/// A real nginx (Debian's, with the lua module) running the nginx front that ships in docker/nginx/,
/// as a child process with everything (config, pid, logs, temp files) in its own temporary directory.
/// </summary>
/// <remarks>
/// The shipped files are copied into the test output by the csproj (folder <c>nginx/</c>) and used
/// unchanged except for the three deployment-specific values: the lua module path, the listen
/// address and the router list. Each substitution must match, so an edit to the shipped file that
/// the test no longer understands fails loudly instead of testing something else.
/// </remarks>
public sealed class NginxProcess : IAsyncDisposable
{
    public const string Packages = "nginx libnginx-mod-http-lua lua-nginx-redis";

    private static readonly string[] ModuleDirs = ["/usr/lib/nginx/modules", "/usr/lib64/nginx/modules", "/usr/local/lib/nginx/modules"];
    private static readonly string[] LuaDirs = ["/usr/share/lua/5.1", "/usr/local/share/lua/5.1", "/usr/local/openresty/lualib"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NginxProcess(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    /// <summary>The temporary prefix directory (config, logs, pid).</summary>
    public string Directory { get; }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>The shipped files as copied beside the test assembly.</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "nginx");

    /// <summary>
    /// Null when nginx, its lua module and lua-resty-redis are installed; otherwise a message saying
    /// what is missing and how to install it.
    /// </summary>
    public static string? MissingPrerequisite()
    {
        if (FindNginx() is null)
            return $"nginx is not installed (looked on PATH and in /usr/sbin). Install the Debian packages {Packages} (tests/run.sh does).";
        if (FindModule("ngx_http_lua_module.so") is null)
            return $"nginx's lua module (ngx_http_lua_module.so) is not installed. Install the Debian packages {Packages} (tests/run.sh does).";
        if (LuaDirs.All(d => !File.Exists(Path.Combine(d, "nginx", "redis.lua")) && !File.Exists(Path.Combine(d, "resty", "redis.lua"))))
            return $"lua-resty-redis (Debian: lua-nginx-redis) is not installed. Install the Debian packages {Packages} (tests/run.sh does).";
        return null;
    }

    /// <summary>How many ports <see cref="Start"/> tries when another socket takes the one it picked before nginx binds it.</summary>
    private const int PortAttempts = 5;

    /// <summary>Starts nginx on a free port of 127.0.0.1 with the shipped front asking <paramref name="routers"/> (host:port, in order).</summary>
    /// <param name="service">The service the front asks for ($akkarouter_service); empty = the default service.</param>
    /// <param name="cacheRecheckMs">$akkarouter_cache_recheck_ms as written in the front; null keeps the shipped value.</param>
    public static async Task<NginxProcess> Start(IEnumerable<string> routers, TimeSpan timeout, string service = "", string? cacheRecheckMs = null)
    {
        var list = routers.ToList();
        // nginx cannot report a port it picked, so the test picks one; another socket may take it before nginx
        // binds it: then nginx fails with "Address already in use" and the next attempt picks another port.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOn(FreePort(), list, timeout, service, cacheRecheckMs);
            }
            catch (PortTakenException) when (attempt < PortAttempts)
            {
            }
        }
    }

    private static async Task<NginxProcess> StartOn(int port, IReadOnlyList<string> routers, TimeSpan timeout, string service, string? cacheRecheckMs)
    {
        var nginx = FindNginx() ?? throw new InvalidOperationException(MissingPrerequisite());
        var directory = Path.Combine(Path.GetTempPath(), $"akkarouter-nginx-{Guid.NewGuid():N}");
        var lua = Path.Combine(directory, "akkarouter");
        System.IO.Directory.CreateDirectory(lua);
        Process process;
        try
        {
            File.Copy(Path.Combine(ShippedDirectory, "akkarouter.lua"), Path.Combine(lua, "akkarouter.lua"));
            var front = File.ReadAllText(Path.Combine(ShippedDirectory, "akkarouter.conf"));
            front = Substitute(front, "/etc/nginx/akkarouter/", lua + "/");
            front = Substitute(front, "listen 80;", $"listen 127.0.0.1:{port};");
            front = Substitute(front, "\"router-1:6380 router-2:6380\"", $"\"{string.Join(' ', routers)}\"");
            front = Substitute(front, "set $akkarouter_service \"\";", $"set $akkarouter_service \"{service}\";");
            if (cacheRecheckMs is not null)
                front = Substitute(front, "set $akkarouter_cache_recheck_ms 100;", $"set $akkarouter_cache_recheck_ms \"{cacheRecheckMs}\";");
            File.WriteAllText(Path.Combine(lua, "akkarouter.conf"), front);

            var conf = Path.Combine(directory, "nginx.conf");
            File.WriteAllText(conf, $$"""
                # Generated by NginxProcess: a minimal main config around the shipped front.
                load_module {{FindModule("ndk_http_module.so") ?? throw new InvalidOperationException("ndk_http_module.so not found")}};
                load_module {{FindModule("ngx_http_lua_module.so")}};
                master_process off;
                worker_processes 1;
                pid {{directory}}/nginx.pid;
                error_log {{directory}}/error.log info;
                events { worker_connections 1024; }
                http {
                    access_log {{directory}}/access.log;
                    client_body_temp_path {{directory}}/client_body;
                    proxy_temp_path {{directory}}/proxy;
                    fastcgi_temp_path {{directory}}/fastcgi;
                    uwsgi_temp_path {{directory}}/uwsgi;
                    scgi_temp_path {{directory}}/scgi;
                    include {{lua}}/akkarouter.conf;
                }
                """);

            var info = new ProcessStartInfo(nginx)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "-p", directory, "-c", conf, "-g", "daemon off;" })
                info.ArgumentList.Add(arg);
            process = new Process { StartInfo = info };
        }
        catch
        {
            TryDelete(directory);
            throw;
        }

        // From here the NginxProcess owns the directory and the process: disposing it cleans up both.
        var started = new NginxProcess(process, directory, port);
        try
        {
            process.OutputDataReceived += (_, e) => started.Capture(e.Data);
            process.ErrorDataReceived += (_, e) => started.Capture(e.Data);
            process.Start();
            ChildProcesses.Track(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            // nginx writes its pid file only once it has bound its listeners: before that, a connect that
            // succeeds may reach whichever socket took the port.
            var pid = Path.Combine(directory, "nginx.pid");
            await Eventually.True(() => process.HasExited || (File.Exists(pid) && Accepts(port)), timeout, $"nginx accepting on 127.0.0.1:{port}");
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains the output readers
                var diagnostics = started.Diagnostics();
                if (diagnostics.Contains("Address already in use", StringComparison.Ordinal))
                    throw new PortTakenException($"port {port} was taken before nginx bound it:\n{diagnostics}");
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode} at start:\n{diagnostics}");
            }
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    /// <summary>nginx's own output and the tail of its error log, for assertion messages.</summary>
    public string Diagnostics()
    {
        string output;
        lock (_output)
            output = _output.ToString();
        var log = Path.Combine(Directory, "error.log");
        var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(30)) : "(no error.log)";
        return $"nginx output:\n{output}\nerror.log (tail):\n{tail}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Started && !_process.HasExited)
            {
                // SIGTERM: nginx's fast shutdown; kill if it does not exit promptly.
                Posix.Kill(_process.Id, Posix.SIGTERM);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try { await _process.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            ChildProcesses.Forget(_process);
            _process.Dispose();
            TryDelete(Directory);
        }
    }

    private bool Started
    {
        get
        {
            try { return _process.Id > 0; }
            catch (InvalidOperationException) { return false; }
        }
    }

    private static string Substitute(string text, string shipped, string replacement)
    {
        if (!text.Contains(shipped, StringComparison.Ordinal))
            throw new InvalidOperationException($"docker/nginx/akkarouter.conf no longer contains '{shipped}', which the test replaces with '{replacement}'; update NginxProcess");
        return text.Replace(shipped, replacement, StringComparison.Ordinal);
    }

    private static string? FindNginx()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/openresty/nginx/sbin"])
            .Select(d => Path.Combine(d, "nginx"))
            .FirstOrDefault(File.Exists);
    }

    private static string? FindModule(string name) =>
        ModuleDirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>
    /// A port nothing listens on right now, for nginx's own listener: <see cref="Start"/> retries with another port
    /// when nginx finds it taken. For an endpoint that must stay dead, hold a <see cref="ReservedPort"/> instead.
    /// </summary>
    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed class PortTakenException(string message) : Exception(message);

    private static void TryDelete(string directory)
    {
        try { System.IO.Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
