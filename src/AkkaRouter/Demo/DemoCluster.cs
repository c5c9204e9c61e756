using System.Diagnostics;
using System.Runtime.InteropServices;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;
using AkkaRouter.Ring;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;

namespace AkkaRouter.Demo;

/// <summary>
/// `akkarouter demo`: a router node and three backend nodes, each fronting a tiny HTTP service,
/// in one process, built with exactly the wiring `akkarouter run` uses.
/// </summary>
public static class DemoCluster
{
    private const int SeedPort = 4053;
    private const int BackendCount = 3;
    private const int FirstServicePort = 9001;

    /// <summary>Starts the cluster, prints what to try and runs until Ctrl+C.</summary>
    public static async Task<int> Run()
    {
        Log.Logger = SerilogSetup.Create(new LoggingSettings(LogEventLevel.Information, LogFormat.Text), consoleLevel: LogEventLevel.Warning);
        using var stop = new CancellationTokenSource();
        // Ctrl+C and SIGTERM end the demo; the finally block stops every node gracefully.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        await using var services = new DemoServices();
        var nodes = new List<IHost>();
        try
        {
            var routerHost = StartNode(RouterHocon(), nodes, s => s.AddSingleton<Palette.IPaletteExtension>(services));
            for (var i = 1; i <= BackendCount; i++)
            {
                await services.Add($"backend-{i}", FirstServicePort + i - 1, stop.Token);
                StartNode(BackendHocon(i), nodes);
            }
            foreach (var node in nodes)
                await node.StartAsync(stop.Token);

            var ring = routerHost.Services.GetRequiredService<RingView>();
            // A backend owns keys once its sidecar's health checks passed `rise` times and every router has the verdict.
            if (!await WaitFor(() => ring.Current.OwnerCount == BackendCount, TimeSpan.FromSeconds(30), stop.Token))
            {
                Console.Error.WriteLine($"akkarouter demo: {ring.Current.OwnerCount} of {BackendCount} backends own keys on the router's ring after 30 s; see the log above");
                return 1;
            }
            PrintWelcome(ring, routerHost.Services.GetRequiredService<ListenerRegistry>());
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine("Stopping: backends leave the cluster, then the router.");
            return 0;
        }
        finally
        {
            foreach (var node in Enumerable.Reverse(nodes))
                await node.StopAsync(CancellationToken.None);
            foreach (var node in nodes)
                node.Dispose();
            await Log.CloseAndFlushAsync();
        }
    }

    private static IHost StartNode(string hocon, List<IHost> nodes, Action<IServiceCollection>? configure = null)
    {
        var config = RouterConfig.FromText(hocon);
        var host = RouterNode.CreateHost(config, RouterSettingsReader.Read(config), configure);
        nodes.Add(host);
        return host;
    }

    private static string RouterHocon() => $$"""
        akka.remote.dot-netty.tcp.port = {{SeedPort}}
        akka.cluster.roles = [router]
        """;

    private static string BackendHocon(int i) => $$"""
        akka.remote.dot-netty.tcp.port = {{SeedPort + i}}
        akka.cluster.seed-nodes = ["akka.tcp://{{RouterNode.SystemName}}@127.0.0.1:{{SeedPort}}"]
        akka.cluster.roles = [backend]
        akka-router.node.service-endpoint = "127.0.0.1:{{FirstServicePort + i - 1}}"
        akka-router.node.zone = "zone-{{(char)('a' + (i - 1) % 2)}}"
        # The router serves the palette and management ports; backends in one process would collide.
        akka-router { cmd.enabled = off, management.enabled = off }
        """;

    private static void PrintWelcome(RingView ring, ListenerRegistry listeners)
    {
        var snapshot = ring.Current;
        var resp = listeners.Find("resp");
        Console.WriteLine();
        Console.WriteLine("AkkaRouter demo cluster is up.");
        if (listeners.Find("management") is { } dashboard)
            Console.WriteLine($"  Dashboard: http://{dashboard}/   (the ring live: states, shares, changes; type a key to see its owner)");
        Console.WriteLine($"  router   akka.tcp://{RouterNode.SystemName}@127.0.0.1:{SeedPort}  roles [router]  RESP lookups on {resp}");
        for (var i = 1; i <= BackendCount; i++)
            Console.WriteLine($"  backend  akka.tcp://{RouterNode.SystemName}@127.0.0.1:{SeedPort + i}  roles [backend]  service http://127.0.0.1:{FirstServicePort + i - 1}/");
        Console.WriteLine();
        Console.WriteLine($"Ring v{snapshot.Version}, checksum {snapshot.Checksum:x16}:");
        foreach (var backend in snapshot.Backends)
            Console.WriteLine($"  {backend.Id,-18} zone {backend.Zone,-7} {backend.State.Name(),-9} weight {backend.Weight,-4} share {snapshot.ShareOf(backend.Id):P2}");
        Console.WriteLine();
        Console.WriteLine("Owners of a few keys:");
        foreach (var key in new[] { "/documents/abc", "/documents/xyz", "/users/42", "/models/resnet" })
            Console.WriteLine($"  {key,-16} -> {snapshot.Owner(key)?.Endpoint}");
        Console.WriteLine();
        Console.WriteLine("Try:");
        Console.WriteLine($"  redis-cli -p {resp?.Port} GET /documents/abc          # who owns this key?");
        Console.WriteLine($"  redis-cli -p {resp?.Port} RING.LOOKUP /documents/abc 3 # owner and fallbacks");
        Console.WriteLine($"  redis-cli -p {resp?.Port} RING.NODES");
        Console.WriteLine($"  curl http://$(redis-cli -p {resp?.Port} GET /documents/abc)/documents/abc");
        if (listeners.Find("http") is { } edge)
            Console.WriteLine($"  curl http://{edge}/documents/abc                # the router's HTTP edge forwards to the owner");
        if (listeners.Find("cmd") is { } cmd)
        {
            Console.WriteLine($"  dotnet run --project src/AkkaRouter -- cmd {cmd} cluster show   # command palette (also: redis-cli -p {cmd.Port} ring show)");
            Console.WriteLine($"  redis-cli -p {cmd.Port} ring drain -b 127.0.0.1:{FirstServicePort}     # take a backend's keys away (ring undrain gives them back)");
            Console.WriteLine($"  redis-cli -p {cmd.Port} demo stop -b backend-2          # kill a backend's service: watch its keys fail over (demo start -b backend-2)");
        }
        if (listeners.Find("management") is { } management)
            Console.WriteLine($"  curl http://{management}/metrics                # Prometheus metrics; /health/ready, /api/ring, /api/cluster");
        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");
    }

    private static async Task<bool> WaitFor(Func<bool> condition, TimeSpan timeout, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout || cancel.IsCancellationRequested)
                return false;
            await Task.Delay(100, CancellationToken.None);
        }
        return true;
    }
}
