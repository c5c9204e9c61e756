using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DnsClient;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// A real dnsmasq (Debian package dnsmasq-base) serving a test zone on 127.0.0.1, as a child process with its config
/// in its own temporary directory.
/// </summary>
/// <remarks>
/// <para>dnsmasq runs with <c>--no-daemon</c>: it stays in the foreground, writes no pid file and does not change its
/// user id, so it works the same started as root or as a normal user (no <c>--user</c> needed; with only
/// <c>--keep-in-foreground</c> it would switch to "nobody" and write /var/run/dnsmasq.pid).</para>
/// <para>It answers only from its config (<c>--no-resolv --no-hosts</c>); the zone <see cref="Zone"/> is declared
/// local, so an unknown name in it gets NXDOMAIN (without that dnsmasq would answer REFUSED: it has no upstream to
/// ask). A name outside the zone still gets REFUSED.</para>
/// <para>What dnsmasq 2.90 puts in an SRV answer: every SRV record of the name (in reverse config order) and, in the
/// additional section, the A and AAAA records that <c>host-record=</c> lines give the targets. Addresses given by
/// <c>address=/name/ip</c> (<see cref="AddressOnly"/>) answer A queries but are NOT added to the additional section,
/// so a resolver has to ask for them separately. A target "." is served as the root name.</para>
/// <para>dnsmasq does not re-read <c>srv-host</c> lines on SIGHUP (only hosts files and similar), so
/// <see cref="Replace"/> restarts it on the same port: kill, wait for the exit, start with the new config, wait until it
/// answers.</para>
/// </remarks>
public sealed class Dnsmasq : IAsyncDisposable
{
    public const string Package = "dnsmasq-base";

    /// <summary>The zone the records live in; unknown names in it get NXDOMAIN.</summary>
    public const string Zone = "svc.test";

    /// <summary>A name dnsmasq always serves, asked to tell whether it is answering.</summary>
    private const string ReadyName = "ready.dnsmasq.test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly string _executable;
    private readonly string _directory;
    private readonly int _localTtl;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private Dnsmasq(string executable, string directory, int port, int localTtl)
    {
        _executable = executable;
        _directory = directory;
        Port = port;
        _localTtl = localTtl;
    }

    public int Port { get; private set; }

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    /// <summary>The config lines the running (or last) dnsmasq was started with, records only.</summary>
    public IReadOnlyList<string> Records { get; private set; } = [];

    /// <summary>What dnsmasq logged (stderr and stdout) over all its runs.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>An SRV record: <paramref name="name"/> (e.g. "_cache._tcp.svc.test") points at target:port.</summary>
    public static string Srv(string name, string target, int port, int priority, int weight) =>
        $"srv-host={name},{target},{port},{priority},{weight}";

    /// <summary>An A record (and, in an SRV answer naming the target, an additional-section record); ttl overrides --local-ttl.</summary>
    public static string Host(string name, string address, int? ttl = null) =>
        ttl is null ? $"host-record={name},{address}" : $"host-record={name},{address},{ttl.Value.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>An A record answered only to A queries: dnsmasq does not add it to an SRV answer's additional section.</summary>
    public static string AddressOnly(string name, string address) => $"address=/{name}/{address}";

    /// <summary>Null when dnsmasq is installed; otherwise how to install it.</summary>
    public static string? MissingPrerequisite() =>
        Find() is null ? $"dnsmasq is not installed (looked on PATH and in /usr/sbin). Install the Debian package {Package} (tests/run.sh does)." : null;

    /// <summary>
    /// Starts dnsmasq on a free UDP and TCP port of 127.0.0.1 serving <paramref name="records"/> (lines such as
    /// <see cref="Srv"/> and <see cref="Host"/> give), with <paramref name="localTtl"/> as the TTL of every record
    /// that does not set its own; returns once it answers queries.
    /// </summary>
    public static async Task<Dnsmasq> Start(IEnumerable<string> records, int localTtl = 0)
    {
        var executable = Find() ?? throw new InvalidOperationException(MissingPrerequisite());
        var directory = Directory.CreateTempSubdirectory("akkarouter-dnsmasq-").FullName;
        var lines = records.ToList();
        // A few tries: the port is free when picked, but another process may take it before dnsmasq binds it.
        for (var attempt = 1; ; attempt++)
        {
            var dnsmasq = new Dnsmasq(executable, directory, FreeUdpAndTcpPort(), localTtl);
            try
            {
                await dnsmasq.Run(lines);
                return dnsmasq;
            }
            catch (PortTakenException) when (attempt < 5)
            {
                await dnsmasq.Kill();
            }
            catch
            {
                await dnsmasq.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Serves <paramref name="records"/> instead of the current set, on the same port. dnsmasq does not re-read
    /// srv-host lines on SIGHUP, so this restarts it (also after <see cref="Stop"/>) and returns once it answers.
    /// </summary>
    public async Task Replace(IEnumerable<string> records)
    {
        await Kill();
        await Run(records.ToList());
    }

    /// <summary>Kills dnsmasq and waits for its exit: its port then refuses queries.</summary>
    public Task Stop() => Kill();

    private async Task Run(IReadOnlyList<string> records)
    {
        var conf = Path.Combine(_directory, "dnsmasq.conf");
        var text = new StringBuilder()
            .AppendLine("# Generated by the Dnsmasq test harness.")
            .AppendLine($"local=/{Zone}/")
            .AppendLine($"host-record={ReadyName},127.0.0.1");
        foreach (var line in records)
            text.AppendLine(line);
        await File.WriteAllTextAsync(conf, text.ToString());
        Records = records;

        var info = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
                     $"--port={Port}", $"--conf-file={conf}", $"--local-ttl={_localTtl}", "--log-facility=-",
                 })
            info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        Capture($"--- {_executable} {string.Join(' ', info.ArgumentList)}");
        process.Start();
        ChildProcesses.Track(process);
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (!await Answers())
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // drains the output readers
                var log = Log;
                if (log.Contains("Address already in use", StringComparison.Ordinal))
                    throw new PortTakenException($"port {Port} was taken before dnsmasq bound it:\n{log}");
                throw new InvalidOperationException($"dnsmasq exited with code {process.ExitCode} on port {Port}:\n{log}");
            }
            if (clock.Elapsed > StartTimeout)
                throw new TimeoutException($"dnsmasq on port {Port} did not answer within {StartTimeout.TotalSeconds:0} s:\n{Log}");
            await Task.Delay(20);
        }
    }

    /// <summary>Whether dnsmasq answers a query for its readiness name right now.</summary>
    private async Task<bool> Answers()
    {
        var client = new LookupClient(new LookupClientOptions(Endpoint)
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(250),
            Retries = 0,
            ThrowDnsErrors = false,
        });
        try
        {
            var response = await client.QueryAsync(ReadyName, QueryType.A);
            return !response.HasError && response.Answers.ARecords().Any();
        }
        catch (DnsResponseException)
        {
            return false;
        }
    }

    private async Task Kill()
    {
        var process = _process;
        _process = null;
        if (process is null)
            return;
        try
        {
            if (!process.HasExited)
                process.Kill();
            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        ChildProcesses.Forget(process);
        process.Dispose();
    }

    private void Capture(string? line)
    {
        if (line is null) return;
        lock (_log) _log.Append(line).Append('\n');
    }

    /// <summary>
    /// A port of 127.0.0.1 free for both TCP and UDP right now (dnsmasq binds both). dnsmasq cannot report a port
    /// it picked, so <see cref="Start"/> retries with another port when dnsmasq finds this one taken.
    /// <see cref="Replace"/> must keep the port (the node under test was told it); a collision there fails loudly.
    /// </summary>
    private static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort.Next();
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
                // taken for UDP: pick another
            }
        }
    }

    private static string? Find()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"])
            .Select(d => Path.Combine(d, "dnsmasq"))
            .FirstOrDefault(File.Exists);
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed class PortTakenException(string message) : Exception(message);
}
