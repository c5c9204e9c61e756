using Akka;
using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Palette;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Hosting;

/// <summary>Wires the command palette host into every node.</summary>
public static class PaletteHostingExtensions
{
    /// <summary>Binds the palette port at start-up and closes it in CoordinatedShutdown's service-unbind phase.</summary>
    public static AkkaConfigurationBuilder ConfigureCommandPalette(this AkkaConfigurationBuilder akka, RouterSettings settings, IServiceProvider services)
    {
        if (!settings.Cmd.Listener.Enabled)
            return akka;
        return akka.WithActors((system, registry) =>
        {
            var binding = ListenerBinding.Bind(settings.Cmd.Listener, "cmd", "command palette");
            var ring = services.GetRequiredService<RingView>();
            var extensions = services.GetServices<IPaletteExtension>().SelectMany(e => e.Commands);
            var catalog = new PaletteCatalog(new ClusterPalette(system), new RingPalette(system, ring), new ActorPalette(system), new LogPalette(), extensions);
            var host = system.ActorOf(Props.Create(() => new CommandHostActor(binding, settings.ListenerRebind, catalog, settings.Cmd.Password,
                services.GetRequiredService<ListenerRegistry>())), "cmd");
            registry.Register<CommandHostActor>(host);
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "cmd-unbind",
                () => host.Ask<Done>(CommandHostActor.Unbind.Instance, TimeSpan.FromSeconds(5)));
        });
    }
}
