using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;

namespace AkkaRouter.Palette;

/// <summary>
/// The command palette's listener (9110) and the supervisor of one session actor per connection.
/// </summary>
/// <remarks>
/// A listener failure rebinds the port like the RESP listener's (<see cref="SocketListenerActor"/>): the palette is
/// how an operator inspects and steers this node, and a node that cannot be operated while it looks healthy is the
/// half-alive state to avoid, so when the port cannot be bound again the node stops (exit code 5). Rebinding costs
/// the cluster nothing, which is why it comes first. Open sessions survive a failed listening socket.
/// </remarks>
public sealed class CommandHostActor : SocketListenerActor
{
    /// <summary>Stop accepting and close every session (CoordinatedShutdown's service-unbind); replies Done.</summary>
    public sealed record Unbind
    {
        public static readonly Unbind Instance = new();
    }

    private readonly PaletteCatalog _catalog;
    private readonly string _password;

    public CommandHostActor(ListenerBinding binding, ListenerRebindSettings rebind, PaletteCatalog catalog, string password, ListenerRegistry listeners)
        : base(binding, listeners, rebind)
    {
        _catalog = catalog;
        _password = password;
        Receive<Unbind>(_ =>
        {
            StopListening();
            foreach (var child in Context.GetChildren())
                Context.Stop(child);
            Sender.Tell(Done.Instance);
        });
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        base.PreStart();
        if (Accepting)
            Log.Info("Command palette listening on {CmdEndpoint}", Binding.Endpoint);
    }

    protected override void OnAccepted(Socket socket) =>
        Context.ActorOf(Props.Create(() => new CommandSessionActor(socket, _catalog, _password)));

    private sealed class CommandSessionActor : ReceiveActor
    {
        private sealed record Ended;

        private readonly PaletteSession _session;

        public CommandSessionActor(Socket socket, PaletteCatalog catalog, string password)
        {
            _session = new PaletteSession(socket, catalog, password);
            Receive<Ended>(_ => Context.Stop(Self));
        }

        protected override void PreStart()
        {
            var self = Self;
            var log = Context.GetLogger();
            _session.Run().ContinueWith(t =>
            {
                if (t.Exception is not null)
                    log.Error(t.Exception.GetBaseException(), "Command palette session failed");
                self.Tell(new Ended());
            }, TaskScheduler.Default);
        }

        protected override void PostStop() => _session.Abort();
    }
}
