using Akka;
using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Hosting;

/// <summary>Wires the HTTP edge into a router node.</summary>
public static class HttpHostingExtensions
{
    /// <summary>How long start-up waits for Kestrel to bind before failing the node.</summary>
    private static readonly TimeSpan BindTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Binds the HTTP edge at start-up (a busy port fails the node) and unbinds/drains it in CoordinatedShutdown.</summary>
    public static AkkaConfigurationBuilder ConfigureHttpEdge(this AkkaConfigurationBuilder akka, RouterSettings settings, IServiceProvider services)
    {
        if (!settings.IsRouter || !settings.Http.Listener.Enabled)
            return akka;
        return akka.WithActors((system, registry) =>
        {
            var edge = system.ActorOf(HttpEdgeActor.Props(settings.Http, services.GetRequiredService<RingView>(),
                services.GetRequiredService<BackendCircuits>(), services.GetRequiredService<BackendLoads>(), services.GetRequiredService<ListenerRegistry>(),
                services.GetRequiredService<HttpEdgeMetrics>(), settings.Traces), "http-edge");
            registry.Register<HttpEdgeActor>(edge);
            try
            {
                // Akka.Hosting's actor wiring is synchronous; waiting here is what makes a bind failure stop the start.
                edge.Ask<HttpEdgeActor.Bound>(HttpEdgeActor.Bind.Instance, BindTimeout).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
                system.Stop(edge);
                throw;
            }

            var shutdown = CoordinatedShutdown.Get(system);
            var drainTimeout = shutdown.Timeout(CoordinatedShutdown.PhaseServiceRequestsDone);
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceUnbind, "http-unbind",
                () => edge.Ask<Done>(new HttpEdgeActor.Unbind(drainTimeout), TimeSpan.FromSeconds(5)));
            shutdown.AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "http-drain",
                () => edge.Ask<Done>(HttpEdgeActor.AwaitDrained.Instance, drainTimeout).ContinueWith(_ => Done.Instance));
        });
    }
}
