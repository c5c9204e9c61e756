using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Akka.Remote.Hosting;
using AkkaRouter.Configuration;
using AkkaRouter.Health;
using AkkaRouter.State;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using Serilog.Events;
using AkkaLogLevel = Akka.Event.LogLevel;

namespace AkkaRouter.Hosting;

/// <summary>The node's Akka.Hosting wiring, one small extension per concern.</summary>
public static class AkkaRouterHostingExtensions
{
    /// <summary>Akka's own logs go through Serilog at the configured level.</summary>
    public static AkkaConfigurationBuilder ConfigureRouterLogging(this AkkaConfigurationBuilder akka, LoggingSettings logging) =>
        akka.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = logging.Level switch
            {
                LogEventLevel.Verbose or LogEventLevel.Debug => AkkaLogLevel.DebugLevel,
                LogEventLevel.Information => AkkaLogLevel.InfoLevel,
                LogEventLevel.Warning => AkkaLogLevel.WarningLevel,
                _ => AkkaLogLevel.ErrorLevel,
            };
            loggers.ClearLoggers();
            loggers.AddSerilogLogging();
        })
        .AddHocon($"akka.stdout-logger-class = \"{typeof(SerilogMinimalLogger).AssemblyQualifiedName}\"", HoconAddMode.Prepend)
        .AddStartup((system, _) => PlannedShutdown.Watch(system));

    /// <summary>Remoting, clustering with the keep-majority split-brain resolver, roles and seed nodes.</summary>
    public static AkkaConfigurationBuilder ConfigureRouterNetwork(this AkkaConfigurationBuilder akka, RouterSettings settings)
    {
        var remote = new RemoteOptions
        {
            HostName = settings.Remote.Hostname,
            Port = settings.Remote.Port,
            PublicHostName = settings.Remote.PublicHostname.Length > 0 ? settings.Remote.PublicHostname : null,
        };
        if (settings.RemotingTls.Enabled)
        {
            remote.EnableSsl = true;
            remote.Ssl = Security.RemoteTls.Options(settings.RemotingTls);
        }
        akka.WithRemoting(remote)
            .WithClustering(new ClusterOptions
            {
                SeedNodes = settings.SeedNodes.Count > 0 ? settings.SeedNodes.ToArray() : null,
                SplitBrainResolver = new KeepMajorityOption(),
            })
            // Roles are written here rather than through ClusterOptions so that the advertisement
            // roles (which contain ':' and '=') are quoted HOCON strings.
            .AddHocon(RolesHocon(settings), HoconAddMode.Prepend);

        akka.AddStartup((system, _) =>
        {
            var cluster = Cluster.Get(system);
            cluster.RegisterOnMemberUp(() => system.Log.Info("Node {NodeAddress} is Up with roles [{Roles}]",
                cluster.SelfAddress, string.Join(",", settings.Roles)));
        });
        if (settings.SeedNodes.Count == 0)
        {
            // No seeds: this node forms a cluster of its own (the single-node default and the demo's seed).
            akka.AddStartup((system, _) => Cluster.Get(system).Join(Cluster.Get(system).SelfAddress));
        }
        return akka;
    }

    /// <summary>The ring actor and the snapshot view every lookup reads.</summary>
    public static AkkaConfigurationBuilder ConfigureRing(this AkkaConfigurationBuilder akka, RouterSettings settings, RingView view, RouterMetrics metrics) =>
        akka.WithActors((system, registry) =>
        {
            system.ActorOf(MembershipObserver.Props(metrics, view), "membership");
            var ring = system.ActorOf(RingActor.Props(view, settings.StaticBackends, settings.Placement), "ring");
            registry.Register<RingActor>(ring);
        });

    /// <summary>
    /// The replicated backend state (Akka.DistributedData with its own serializer), the writers of its entries — this
    /// node's sidecar health, the static backends' health singleton, operator overrides — and nothing else.
    /// </summary>
    public static AkkaConfigurationBuilder ConfigureBackendState(this AkkaConfigurationBuilder akka, RouterSettings settings, RingView view, RouterMetrics metrics)
    {
        akka.AddHocon(StateSerializationHocon, HoconAddMode.Prepend);
        akka.WithActors((system, registry) =>
        {
            registry.Register<BackendOverridesActor>(system.ActorOf(BackendOverridesActor.Props(view), "backend-overrides"));
            if (settings.Advertised is { } self)
                system.ActorOf(SidecarHealthActor.Props(self, settings.Node, settings.Score, view, metrics), "sidecar-health");
        });
        if (settings.IsRouter && settings.Discovery.DnsSrv.Count > 0)
        {
            // On the routers: they hold the discovery configuration (a backend sidecar has none).
            akka.WithSingleton<Discovery.DnsDiscoverySingleton>("dns-discovery", Discovery.DnsDiscoverySingleton.Props(settings.Discovery),
                new ClusterSingletonOptions { Role = NodeRoles.Router }, createProxyToo: false);
        }
        if ((settings.StaticBackends.Count > 0 || (settings.IsRouter && settings.Discovery.DnsSrv.Count > 0)) && settings.Placement.StaticBackendsChecked)
        {
            akka.WithSingleton<StaticHealthSingleton>("static-health",
                StaticHealthSingleton.Props(settings.StaticBackends, settings.HealthCheck, metrics),
                new ClusterSingletonOptions(), createProxyToo: false);
        }
        return akka;
    }

    private static readonly string StateSerializationHocon = $$"""
        akka.actor {
          serializers.akka-router-backend-state = "{{typeof(BackendStateSerializer).AssemblyQualifiedName}}"
          serialization-bindings {
            "{{typeof(ReplicatedBackendState).AssemblyQualifiedName}}" = akka-router-backend-state
          }
        }
        """;

    private static string RolesHocon(RouterSettings settings)
    {
        var roles = settings.Roles.AsEnumerable();
        if (settings.Advertised is { } backend)
            roles = roles.Concat(BackendAdvertisement.ToRoles(backend));
        var text = new StringBuilder("akka.cluster.roles = [");
        text.AppendJoin(", ", roles.Select(RouterConfig.Quote));
        return text.Append(']').ToString();
    }
}
