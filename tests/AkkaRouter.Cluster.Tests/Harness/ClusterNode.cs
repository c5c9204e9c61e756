using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>One line a node printed, stamped when the harness received it.</summary>
public sealed record LogLine(DateTime At, string Text);

/// <summary>A `Ring vN: ...` line: the ring a node published and when; <paramref name="Owners"/> of its backends own keys.</summary>
public sealed record RingLine(DateTime At, long Version, int Backends, int Owners, string Checksum, string Text);

/// <summary>
/// How to start one node: the shipped HOCON file, the per-test override and environment overrides;
/// <paramref name="RemotingPort"/> 0 lets the OS pick (the node logs the port it bound).
/// </summary>
public sealed record NodeSpec(
    string Name,
    string ShippedConfig,
    bool IsRouter,
    string Host,
    int RemotingPort,
    string? ServiceEndpoint,
    string? Namespace,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>
/// An `akkarouter run` process (the executable built beside the tests), its output captured line by
/// line with arrival times. <see cref="Restart"/> starts a new incarnation from the same spec, on the remoting
/// port the last one bound.
/// </summary>
public sealed partial class ClusterNode : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<LogLine> _lines = new();
    private readonly string _overrideFile;
    private readonly string _overrideHocon;
    private Process _process = null!;
    private int _incarnation;
    private int _remotingPort;
    private int _remotingBoundIn;

    /// <summary>How many times <see cref="Restart"/> starts the node when its remoting port turns out taken.</summary>
    private const int RestartAttempts = 3;

    internal ClusterNode(NodeSpec spec, string overrideHocon)
    {
        Spec = spec;
        _overrideHocon = overrideHocon;
        _remotingPort = spec.RemotingPort;
        _overrideFile = Path.Combine(Path.GetTempPath(), $"akkarouter-cluster-{spec.Name}-{Guid.NewGuid():N}.conf");
        Launch(_remotingPort);
    }

    public NodeSpec Spec { get; }
    public string Name => Spec.Name;

    /// <summary>The remoting port: the placed one, else the one the node logged it bound (0 until then).</summary>
    public int RemotingPort => Volatile.Read(ref _remotingPort);

    /// <summary>The node's Akka address, as seed-nodes and the logs name it (known once remoting started).</summary>
    public string Address => $"akka.tcp://akkarouter@{Spec.Host}:{RemotingPort}";
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>When the current process exited, as the harness saw it (null while running).</summary>
    public DateTime? ExitedAt { get; private set; }

    /// <summary>The RESP port the node logged it bound (routers only; read from the log).</summary>
    public int RespPort { get; private set; }

    /// <summary>The HTTP edge port the node logged it bound (read from the log; 0 until then).</summary>
    public int HttpPort { get; private set; }

    /// <summary>The command palette port the node logged it bound (0 until then).</summary>
    public int CmdPort { get; private set; }

    /// <summary>The management HTTP port the node logged it bound (0 until then).</summary>
    public int ManagementPort { get; private set; }

    /// <summary>The executable built beside the test assembly: the one `dotnet publish src/AkkaRouter` ships.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "akkarouter");

    /// <summary>The shipped HOCON files, copied beside the executable by the build (as publish does).</summary>
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    public IReadOnlyList<LogLine> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }

    public int LineCount
    {
        get { lock (_gate) return _lines.Count; }
    }

    /// <summary>Every ring this node published (all incarnations), in order.</summary>
    public IReadOnlyList<RingLine> Rings => Lines.Select(ParseRing).OfType<RingLine>().ToArray();

    /// <summary>The ring this node published last, if any.</summary>
    public RingLine? Ring => Rings.LastOrDefault();

    private void Launch(int remotingPort)
    {
        File.WriteAllText(_overrideFile, $"akka.remote.dot-netty.tcp.port = {remotingPort}\n{_overrideHocon}");
        var config = Path.Combine(HoconDirectory, Spec.ShippedConfig);
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (Spec.Namespace is { } ns)
        {
            // `ip netns exec` execs the command in place: the pid we hold is the node's own.
            info.FileName = "ip";
            foreach (var a in new[] { "netns", "exec", ns, Executable })
                info.ArgumentList.Add(a);
        }
        else
        {
            info.FileName = Executable;
        }
        foreach (var a in new[] { "run", "--config", config, "--config", _overrideFile })
            info.ArgumentList.Add(a);
        foreach (var (key, value) in Spec.Environment)
            info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var incarnation = ++_incarnation;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.Exited += (_, _) => ExitedAt = DateTime.UtcNow;
        Add($"---- harness: starting incarnation {incarnation}: {info.FileName} {string.Join(' ', info.ArgumentList)}");
        ExitedAt = null;
        RespPort = 0;
        HttpPort = 0;
        CmdPort = 0;
        ManagementPort = 0;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private void Add(string? text)
    {
        if (text is null)
            return;
        var line = new LogLine(DateTime.UtcNow, text);
        if (RemotingStarted().Match(text) is { Success: true } r)
        {
            Volatile.Write(ref _remotingPort, int.Parse(r.Groups[1].Value));
            Volatile.Write(ref _remotingBoundIn, _incarnation);
        }
        else if (RespListening().Match(text) is { Success: true } m)
            RespPort = int.Parse(m.Groups[1].Value);
        else if (HttpListening().Match(text) is { Success: true } h)
            HttpPort = int.Parse(h.Groups[1].Value);
        else if (CmdListening().Match(text) is { Success: true } c)
            CmdPort = int.Parse(c.Groups[1].Value);
        else if (ManagementListening().Match(text) is { Success: true } g)
            ManagementPort = int.Parse(g.Groups[1].Value);
        lock (_gate)
            _lines.Add(line);
    }

    /// <summary>
    /// The node's address once the current incarnation's remoting has bound its port (before the node is Up);
    /// fails at once if the process exits first.
    /// </summary>
    public async Task<string> WaitForAddress(TimeSpan timeout)
    {
        await Eventually.True(() => Volatile.Read(ref _remotingBoundIn) == _incarnation || HasExited, timeout, $"{Name}: remoting started");
        if (Volatile.Read(ref _remotingBoundIn) != _incarnation)
        {
            await _process.WaitForExitAsync(); // drains the output readers: the reason is in the tail
            throw new InvalidOperationException($"{Name} exited with code {ExitCode} before remoting started:\n{Tail(40)}");
        }
        return Address;
    }

    /// <summary>Waits for a line (from index <paramref name="from"/> on) that satisfies <paramref name="match"/>.</summary>
    public async Task<LogLine> WaitForLine(Func<string, bool> match, TimeSpan timeout, string what, int from = 0)
    {
        LogLine? found = null;
        await Eventually.True(() =>
        {
            found = Lines.Skip(from).FirstOrDefault(l => match(l.Text));
            return found is not null;
        }, timeout, $"{Name}: {what}");
        return found!;
    }

    /// <summary>Waits for this node's ring to satisfy <paramref name="condition"/>; returns the first ring line that does, published after line <paramref name="from"/>.</summary>
    public async Task<RingLine> WaitForRing(Func<RingLine, bool> condition, TimeSpan timeout, string what, int from = 0)
    {
        RingLine? found = null;
        await Eventually.True(() =>
        {
            found = Lines.Skip(from).Select(ParseRing).OfType<RingLine>().FirstOrDefault(condition);
            return found is not null;
        }, timeout, $"{Name}: ring {what}");
        return found!;
    }

    /// <summary>Waits until the node is an Up member (and, on a router, until its RESP and HTTP edge ports are bound).</summary>
    public async Task WaitUntilUp(TimeSpan timeout, int from = 0)
    {
        await WaitForLine(l => l.Contains(" is Up with roles [", StringComparison.Ordinal) || HasExited, timeout, "member Up", from);
        if (HasExited)
            throw new InvalidOperationException($"{Name} exited with code {ExitCode} before it was Up");
        if (Spec.IsRouter)
        {
            await Eventually.True(() => RespPort != 0, timeout, $"{Name}: RESP port bound");
            await Eventually.True(() => HttpPort != 0, timeout, $"{Name}: HTTP edge port bound");
        }
    }

    /// <summary>kill -9: the process dies without leaving the cluster. Returns when the signal was sent.</summary>
    public DateTime Kill()
    {
        var at = DateTime.UtcNow;
        Posix.Kill(_process.Id, Posix.SIGKILL);
        return at;
    }

    /// <summary>SIGTERM, as an orchestrator stops a node: CoordinatedShutdown, leave, exit.</summary>
    public DateTime Terminate()
    {
        var at = DateTime.UtcNow;
        Posix.Kill(_process.Id, Posix.SIGTERM);
        return at;
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} still running {timeout.TotalSeconds:0} s after it was told to stop");
        }
        return _process.ExitCode;
    }

    /// <summary>
    /// Starts a new process from the same spec (same remoting address, same service endpoint); returns once its
    /// remoting is bound. The port was free while the old incarnation was down: should another socket have taken
    /// it meanwhile ("Failed to bind to" and an exit), the node starts again on a port the OS picks, so the
    /// address changes but the backend (its service endpoint) does not.
    /// </summary>
    public async Task Restart()
    {
        if (!_process.HasExited)
            throw new InvalidOperationException($"{Name} is still running; kill or stop it first");
        var port = RemotingPort;
        for (var attempt = 1; ; attempt++)
        {
            await _process.WaitForExitAsync(); // drains the output readers of the old incarnation
            _process.Dispose();
            var from = LineCount;
            Launch(port);
            try
            {
                await WaitForAddress(ClusterHarness.StartTimeout);
                return;
            }
            catch (InvalidOperationException) when (attempt < RestartAttempts && Lines.Skip(from).Any(l => BindFailed(l.Text, port)))
            {
                Add($"---- harness: remoting port {port} was taken while {Name} was down; starting it on a port the OS picks");
                port = 0;
            }
        }
    }

    /// <summary>Whether <paramref name="line"/> reports that remoting could not bind <paramref name="port"/> (Akka: "Failed to bind to [HOST:PORT]").</summary>
    private static bool BindFailed(string line, int port) =>
        line.Contains("Failed to bind to ", StringComparison.Ordinal)
        && (line.Contains($":{port}]", StringComparison.Ordinal) || line.Contains($":{port};", StringComparison.Ordinal));

    /// <summary>The last <paramref name="count"/> lines, for failure reports.</summary>
    public string Tail(int count = 150)
    {
        var lines = Lines;
        var text = new StringBuilder();
        text.Append("==== ").Append(Name).Append(' ').Append(Address)
            .Append(HasExited ? $" (exited {ExitCode})" : $" (pid {Pid})")
            .Append(lines.Count > count ? $", last {count} of {lines.Count} lines" : "").Append(" ====\n");
        foreach (var line in lines.Skip(Math.Max(0, lines.Count - count)))
            text.Append(line.At.ToString("HH:mm:ss.fff")).Append("  ").Append(line.Text).Append('\n');
        return text.ToString();
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
            // already gone
        }
        _process.Dispose();
        File.Delete(_overrideFile);
    }

    /// <summary>Kills the process immediately (the harness's last resort when the test host exits).</summary>
    internal void KillNow()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static RingLine? ParseRing(LogLine line)
    {
        var m = RingPublished().Match(line.Text);
        return m.Success
            ? new RingLine(line.At, long.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value), m.Groups[4].Value, line.Text)
            : null;
    }

    [GeneratedRegex(@"Ring v(\d+): (\d+) backends, (\d+) owning keys, checksum ([0-9a-f]+)")]
    private static partial Regex RingPublished();

    [GeneratedRegex(@"Remoting started; listening on addresses : \[akka\.tcp://[^@]+@[^\]]+:(\d+)\]")]
    private static partial Regex RemotingStarted();

    [GeneratedRegex(@"RESP lookups listening on \S+:(\d+)")]
    private static partial Regex RespListening();

    [GeneratedRegex(@"HTTP edge listening on \S+:(\d+)")]
    private static partial Regex HttpListening();

    [GeneratedRegex(@"Command palette listening on \S+:(\d+)")]
    private static partial Regex CmdListening();

    [GeneratedRegex(@"Management HTTP listening on \S+:(\d+)")]
    private static partial Regex ManagementListening();
}
