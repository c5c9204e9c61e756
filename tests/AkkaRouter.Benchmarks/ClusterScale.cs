using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace AkkaRouter.Benchmarks;

/// <summary>
/// M cluster members as M actor systems in this process, on loopback with the shipped failure-detector settings and
/// backend-like roles (a sidecar's ring-* roles travel in every gossip): how long M joins take to converge, and what
/// an idle cluster of M costs in CPU and bytes sent over TCP (`ss`) — heartbeats plus gossip. With
/// the first two members it also sends payloads around Akka's default maximum frame size, the bound on any one
/// remote message, such as the replicated backend state.
/// </summary>
public static class ClusterScale
{
    private static readonly Config Shared = ConfigurationFactory.ParseString("""
        akka {
          # errors only: on 2 shared cores 40 members log "heartbeat delayed" warnings by the hundred
          loglevel = ERROR
          stdout-loglevel = ERROR
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          cluster {
            failure-detector { heartbeat-interval = 500ms, threshold = 8.0, acceptable-heartbeat-pause = 2s, min-std-deviation = 100ms, expected-response-after = 1s }
            unreachable-nodes-reaper-interval = 500ms
            retry-unsuccessful-join-after = 3s
            # CPU starvation on 2 shared cores must not split the measured cluster
            downing-provider-class = ""
          }
        }
        """);

    public static void Run(int[] sizes)
    {
        Console.WriteLine("| members | all joined (from the first start) | converged after the last start | idle CPU (% of one core) | per member | bytes sent/s | per member |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        var frames = "";
        foreach (var m in sizes)
        {
            var line = Measure(m, checkFrames: frames.Length == 0, out var frameReport);
            if (frames.Length == 0)
                frames = frameReport;
            Console.WriteLine(line);
        }
        Console.WriteLine();
        Console.WriteLine(frames);
    }

    private static string Measure(int m, bool checkFrames, out string frames)
    {
        var systems = new List<ActorSystem>();
        frames = "";
        try
        {
            var started = Stopwatch.StartNew();
            var seed = Start(systems, 0, roles: "[router]");
            var seedAddress = Cluster.Get(seed).SelfAddress;
            Cluster.Get(seed).Join(seedAddress);
            for (var i = 1; i < m; i++)
            {
                var ip = $"10.0.{i / 250}.{i % 250 + 1}";
                var system = Start(systems, i, roles: $"[backend, \"ring-id={ip}:8080\", \"ring-endpoint={ip}:8080\", \"ring-zone=zone-a\", \"ring-weight=1\", \"ring-service=default\"]");
                Cluster.Get(system).Join(seedAddress);
            }
            var lastStarted = started.Elapsed;
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!systems.All(s => Converged(Cluster.Get(s), m)))
            {
                if (DateTime.UtcNow > deadline)
                    return $"| {m} | not converged within 3 minutes | | | | | |";
                Thread.Sleep(50);
            }
            var joined = started.Elapsed;

            // Idle cost: 5 s to settle, then 20 s measured.
            Thread.Sleep(5000);
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var sent0 = SentBytes();
            var watch = Stopwatch.StartNew();
            Thread.Sleep(20_000);
            process.Refresh();
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds / seconds * 100;
            var written = (SentBytes() - sent0) / seconds ?? double.NaN;
            var stillConverged = systems.All(s => Converged(Cluster.Get(s), m));

            if (checkFrames)
                frames = FrameCheck(systems[0], systems[1]);
            return string.Create(CultureInfo.InvariantCulture,
                $"| {m} | {joined.TotalSeconds:N1} s | {(joined - lastStarted).TotalSeconds:N1} s | {cpu:N1} % | {cpu / m:N2} % | {written / 1024:N0} KiB/s | {written / m / 1024:N1} KiB/s |{(stillConverged ? "" : " (a member became unreachable while idle)")}");
        }
        finally
        {
            Task.WhenAll(systems.Select(s => s.Terminate())).Wait(TimeSpan.FromSeconds(60));
        }
    }

    private static ActorSystem Start(List<ActorSystem> systems, int index, string roles)
    {
        var config = ConfigurationFactory.ParseString($"akka.cluster.roles = {roles}").WithFallback(Shared);
        var system = ActorSystem.Create("akkarouter", config);
        systems.Add(system);
        return system;
    }

    private static bool Converged(Cluster cluster, int m)
    {
        var state = cluster.State;
        return state.Members.Count(x => x.Status == MemberStatus.Up) == m && state.Unreachable.Count == 0;
    }

    // Bytes this process's TCP connections sent (bytes_sent of each socket in `ss -tinp`, iproute2): remoting only, as
    // the measured systems are the process's only connections. Null without ss.
    private static long? SentBytes()
    {
        try
        {
            var info = new ProcessStartInfo("ss", "-tinpH") { RedirectStandardOutput = true, UseShellExecute = false };
            using var ss = Process.Start(info)!;
            var lines = ss.StandardOutput.ReadToEnd().Split('\n');
            ss.WaitForExit();
            var mine = $"pid={Environment.ProcessId},";
            long total = 0;
            for (var i = 0; i + 1 < lines.Length; i++)
            {
                if (!lines[i].Contains(mine, StringComparison.Ordinal))
                    continue;
                var match = System.Text.RegularExpressions.Regex.Match(lines[i + 1], @"bytes_sent:(\d+)");
                if (match.Success)
                    total += long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            return total;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    // Sends byte arrays of several sizes from one member to an actor on another and reports which arrived.
    private static string FrameCheck(ActorSystem from, ActorSystem to)
    {
        var limit = to.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 0;
        var received = new System.Collections.Concurrent.ConcurrentBag<int>();
        to.ActorOf(Props.Create(() => new Sink(received)), "sink");
        var target = from.ActorSelection(new RootActorPath(Cluster.Get(to).SelfAddress) / "user" / "sink");
        int[] sizes = [64 * 1024, 120 * 1024, 124 * 1024, 128 * 1024, 256 * 1024];
        foreach (var size in sizes)
            target.Tell(new byte[size]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.Count < sizes.Length && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        return $"Remote messages (akka.remote.dot-netty.tcp.maximum-frame-size = {limit:N0} bytes): " +
               string.Join(", ", sizes.Select(s => $"{s / 1024} KiB {(received.Contains(s) ? "delivered" : "dropped")}"));
    }

    private sealed class Sink : ReceiveActor
    {
        public Sink(System.Collections.Concurrent.ConcurrentBag<int> received) => Receive<byte[]>(b => received.Add(b.Length));
    }
}
