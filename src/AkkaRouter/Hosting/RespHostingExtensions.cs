using Akka;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Resp;

namespace AkkaRouter.Hosting;

/// <summary>Wires the RESP lookup server into a router node.</summary>
public static class RespHostingExtensions
{
    /// <summary>Binds the RESP port at start-up and unbinds/drains it in CoordinatedShutdown.</summary>
    public static AkkaConfigurationBuilder ConfigureRespServer(this AkkaConfigurationBuilder akka, RouterSettings settings, IServiceProvider services)
    {
        if (!settings.IsRouter || !settings.Resp.Listener.Enabled)
            return akka;
        return akka.WithActors((system, registry) =>
        {
            var binding = ListenerBinding.Bind(settings.Resp.Listener, "resp", "RESP");
            var server = system.ActorOf(RespServerActor.Props(binding, settings.ListenerRebind, settings.Resp,
                services.GetRequiredService<RingView>(), services.GetRequiredService<RespClientRegistry>(),
                services.GetRequiredService<RespServerInfo>(), services.GetRequiredService<ListenerRegistry>(),
                services.GetRequiredService<RouterMetrics>(), services.GetRequiredService<RespCommandStats>(), settings.Traces), "resp");
            registry.Register<RespServerActor>(server);

            var shutdown = CoordinatedShutdown.Get(system);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "resp-unbind",
                () => server.Ask<Done>(RespServerActor.Unbind.Instance, TimeSpan.FromSeconds(5)));
            var drainTimeout = shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "resp-drain",
                () => server.Ask<Done>(RespServerActor.AwaitDrained.Instance, drainTimeout).ContinueWith(_ => Done.Instance));
        });
    }
}
