using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// A private network for partition tests, built with iproute2: one namespace per node, each wired by
/// a veth pair into one of two bridges (side A, side B) inside a "switch" namespace; one veth pair
/// joins the two bridges. <see cref="Partition"/> takes that link down: the sides can no longer
/// reach each other, nodes on one side still can. Nothing is added to the host's own namespace: the
/// veths and bridges live in the namespaces and go with them. Every name starts with "akrt" and the test
/// host's process id, so namespaces a killed test host left behind are found and deleted the first time
/// a test host here asks whether namespaces are available (<see cref="Unavailable"/>).
/// </summary>
public sealed partial class NetworkNamespaces : IAsyncDisposable
{
    public enum Side { A, B }

    private readonly string _prefix = $"akrt{Environment.ProcessId}x{Random.Shared.Next(100, 999)}";
    private readonly List<string> _namespaces = new();
    private int _nodes;

    private NetworkNamespaces()
    {
    }

    private string Switch => _prefix + "sw";

    /// <summary>Null where namespaces can be created here; otherwise why not (the partition test's skip reason).</summary>
    public static string? Unavailable { get; } = Probe();

    public static async Task<NetworkNamespaces> Create()
    {
        var network = new NetworkNamespaces();
        try
        {
            await network.AddNamespace(network.Switch);
            var sw = network.Switch;
            await Ip("-n", sw, "link", "add", "bra", "type", "bridge");
            await Ip("-n", sw, "link", "add", "brb", "type", "bridge");
            await Ip("-n", sw, "link", "add", "ab0", "type", "veth", "peer", "name", "ab1");
            await Ip("-n", sw, "link", "set", "ab0", "master", "bra");
            await Ip("-n", sw, "link", "set", "ab1", "master", "brb");
            foreach (var link in new[] { "bra", "brb", "ab0", "ab1" })
                await Ip("-n", sw, "link", "set", link, "up");
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds a node namespace on <paramref name="side"/>; returns its namespace name and address (10.201.0.x).</summary>
    public async Task<(string Namespace, string Address)> AddNode(Side side)
    {
        var index = ++_nodes;
        var ns = $"{_prefix}n{index}";
        var address = $"10.201.0.{10 + index}";
        await AddNamespace(ns);
        var port = $"p{index}";
        await Ip("-n", Switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await Ip("-n", Switch, "link", "set", port, "master", side == Side.A ? "bra" : "brb");
        await Ip("-n", Switch, "link", "set", port, "up");
        await Ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        await Ip("-n", ns, "link", "set", "eth0", "up");
        await Ip("-n", ns, "link", "set", "lo", "up");
        return (ns, address);
    }

    /// <summary>Cuts side A off from side B (the link between the bridges goes down).</summary>
    public Task Partition() => Ip("-n", Switch, "link", "set", "ab0", "down");

    /// <summary>Runs redis-cli inside <paramref name="ns"/> (the test process lives outside every namespace).</summary>
    public static async Task<string> RedisCli(string ns, string host, int port, params string[] args)
    {
        var (code, stdout, stderr) = await Run("ip", ["netns", "exec", ns, "redis-cli", "-h", host, "-p", port.ToString(), .. args]);
        return code == 0 ? stdout.Trim() : $"(redis-cli exit {code}) {stderr.Trim()} {stdout.Trim()}";
    }

    private async Task AddNamespace(string ns)
    {
        await Ip("netns", "add", ns);
        _namespaces.Add(ns);
    }

    private static async Task Ip(params string[] args)
    {
        var (code, _, stderr) = await Run("ip", args);
        if (code != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: exit {code}: {stderr.Trim()}");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Run(string tool, string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "network namespaces need Linux";
        var name = $"akrtprobe{Environment.ProcessId}";
        try
        {
            var (code, _, stderr) = Run("ip", ["netns", "add", name]).GetAwaiter().GetResult();
            if (code != 0)
                return $"cannot create network namespaces here (`ip netns add` failed: {stderr.Trim()}); needs root or CAP_SYS_ADMIN and iproute2";
            Run("ip", ["netns", "del", name]).GetAwaiter().GetResult();
            SweepStale();
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"cannot create network namespaces here: `ip` (iproute2) is not installed ({e.Message})";
        }
    }

    /// <summary>
    /// Deletes the namespaces of test hosts that are gone (the process id in the name is not running): a host
    /// killed mid-test never ran <see cref="DisposeAsync"/>. Namespaces of a running host, this one's or another
    /// run's, are left alone. Names from before the full process id was in them ("akr" PID mod 10000 "x" ...)
    /// cannot be told apart from a running host's (and a namespace's file times are the kernel's, not its
    /// creation's), so they are never swept. Returns the names deleted.
    /// </summary>
    public static IReadOnlyList<string> SweepStale()
    {
        var (code, stdout, _) = Run("ip", ["netns", "list"]).GetAwaiter().GetResult();
        if (code != 0)
            return [];
        var deleted = new List<string>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (OurName().Match(name) is not { Success: true } m || Directory.Exists($"/proc/{m.Groups[1].Value}"))
                continue;
            if (Run("ip", ["netns", "del", name]).GetAwaiter().GetResult().Code == 0)
                deleted.Add(name);
        }
        return deleted;
    }

    /// <summary>A namespace this harness names: "akrt" PID "x" NNN then "sw" or "n" INDEX, or the probe "akrtprobe" PID.</summary>
    [GeneratedRegex(@"^akrt(?:probe)?(\d+)(?:x\d{3}(?:sw|n\d+))?$")]
    private static partial Regex OurName();

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace deletes its interfaces and their veth peers.
        foreach (var ns in Enumerable.Reverse(_namespaces))
            await Run("ip", ["netns", "del", ns]);
        _namespaces.Clear();
    }
}

/// <summary>A fact that is skipped, with the reason, where network namespaces cannot be created (checked at discovery).</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetworkNamespaces.Unavailable is { } reason)
            Skip = reason;
    }
}
