using Akka.Configuration;
using Akka.Hosting;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Management;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Resp;
using AkkaRouter.Tracing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog;

namespace AkkaRouter.Hosting;

/// <summary>Builds one AkkaRouter node: the same wiring for `akkarouter run`, the demo and the tests.</summary>
public static class RouterNode
{
    /// <summary>The actor system name: a seed's address is akka.tcp://akkarouter@HOST:4053.</summary>
    public const string SystemName = "akkarouter";

    /// <summary>How long a node may take to leave the cluster and stop after SIGTERM or Ctrl+C.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Exit code of a node the cluster downed (the split-brain resolver, or `cluster down`):
    /// non-zero, so a supervisor restarts it and it joins again as a new incarnation.
    /// </summary>
    public const int DownedExitCode = 3;

    /// <summary>
    /// Exit code of a node that could not join its seed nodes in time: non-zero, so a supervisor starts a fresh
    /// incarnation (which joins once the cluster has removed any previous one at the same address).
    /// </summary>
    public const int JoinFailedExitCode = 4;

    /// <summary>
    /// Exit code of a node that stopped because a listener failed beyond repair (a RESP or palette port that could not
    /// be bound again, the HTTP edge or management listener failing): non-zero, so a supervisor starts it again with
    /// every port bound, instead of a node that looks up while a port is dead.
    /// </summary>
    public const int ListenerFailedExitCode = 5;

    /// <summary>
    /// Exit code of a node whose TLS handshake with a peer failed (akka-router.security.remote-tls): Akka stops the
    /// node rather than let it run outside the cluster; non-zero, so a supervisor retries and an operator looks.
    /// </summary>
    public const int RemoteTlsRefusedExitCode = 6;

    /// <summary>
    /// Runs the node until it stops; returns the process exit code: 0, <see cref="DownedExitCode"/>,
    /// <see cref="JoinFailedExitCode"/>, <see cref="ListenerFailedExitCode"/> or <see cref="RemoteTlsRefusedExitCode"/>.
    /// </summary>
    public static async Task<int> Run(IHost host)
    {
        var termination = host.Services.GetRequiredService<NodeTermination>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync();
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested || ShuttingDown(host))
        {
            // SIGTERM or Ctrl+C while the node was still starting (a listener still binding): the start is
            // abandoned and CoordinatedShutdown (run by the CLR exit hook) leaves the cluster. A clean stop, not a crash.
            // The host's own stopping token is not always set by then (a CI run saw the management server's bind
            // cancelled with only CoordinatedShutdown under way, and the process abort with exit 134).
        }
        return termination.Downed ? DownedExitCode
            : termination.JoinFailed ? JoinFailedExitCode
            : termination.ListenerFailed ? ListenerFailedExitCode
            : termination.RemoteTlsRefused ? RemoteTlsRefusedExitCode
            : 0;
    }

    private static bool ShuttingDown(IHost host) =>
        host.Services.GetService<Akka.Actor.ActorSystem>() is { } system && Akka.Actor.CoordinatedShutdown.Get(system).ShutdownReason is not null;

    /// <summary>Creates the host of a node; <paramref name="configure"/> adds services (tests, demo).</summary>
    public static IHost CreateHost(Config config, RouterSettings settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddSerilog(Log.Logger, dispose: false);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<RingView>();
        builder.Services.AddSingleton<ListenerRegistry>();
        builder.Services.AddSingleton<RespClientRegistry>();
        builder.Services.AddSingleton<RespServerInfo>();
        builder.Services.AddSingleton<BackendCircuits>();
        builder.Services.AddSingleton<Dashboard.DashboardFeed>();
        builder.Services.AddSingleton<BackendLoads>();
        builder.Services.AddSingleton<RouterMetrics>();
        builder.Services.AddSingleton<RespCommandStats>();
        builder.Services.AddSingleton<HttpEdgeMetrics>();
        // Tracing (akka-router.tracing): the tracer provider starts before the listeners; nothing when off.
        builder.Services.AddRouterTracing(settings);
        var termination = new NodeTermination();
        builder.Services.AddSingleton(termination);
        builder.Services.AddAkka(SystemName, (akka, services) => akka
            .AddHocon(config, HoconAddMode.Append)
            .AddStartup((system, _) => termination.Watch(system))
            .ConfigureRouterLogging(settings.Logging)
            .ConfigureRouterNetwork(settings)
            .ConfigureRing(settings, services.GetRequiredService<RingView>(), services.GetRequiredService<RouterMetrics>())
            .ConfigureBackendState(settings, services.GetRequiredService<RingView>(), services.GetRequiredService<RouterMetrics>())
            .ConfigureRespServer(settings, services)
            .ConfigureCommandPalette(settings, services)
            .ConfigureHttpEdge(settings, services)
            .WithActors((system, _) => system.ActorOf(Dashboard.DashboardActor.Props(services.GetRequiredService<RingView>(),
                services.GetRequiredService<RouterMetrics>(), services.GetRequiredService<BackendCircuits>(),
                services.GetRequiredService<Dashboard.DashboardFeed>(), settings), "dashboard")));
        builder.Services.AddHostedService(sp => new ManagementServer(sp, settings));
        if (ListenerFault.Enabled)
            builder.Services.AddSingleton<Palette.IPaletteExtension>(sp => new Palette.ListenerFaultPalette(sp));
        configure?.Invoke(builder.Services);
        return builder.Build();
    }
}
