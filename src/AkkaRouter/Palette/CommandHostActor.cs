using System.Net;
using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.Event;
using AkkaRouter.Hosting;

namespace AkkaRouter.Palette;

/// <summary>
/// The command palette's listener (9110) and the supervisor of one session actor per connection.
/// </summary>
public sealed class CommandHostActor : ReceiveActor
{
    /// <summary>Stop accepting and close every session (CoordinatedShutdown's service-unbind); replies Done.</summary>
    public sealed record Unbind
    {
        public static readonly Unbind Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Socket? _listener;

    public CommandHostActor(Socket listener, PaletteCatalog catalog, string password, ListenerRegistry listeners)
    {
        _listener = listener;
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        listeners.Register("cmd", bound);
        _log.Info("Command palette listening on {CmdEndpoint}", bound);

        Receive<SocketAcceptor.Accepted>(a =>
        {
            if (_listener is null) { a.Socket.Dispose(); return; }
            Context.ActorOf(Props.Create(() => new CommandSessionActor(a.Socket, catalog, password)));
        });
        Receive<SocketAcceptor.Stopped>(_ => { });
        Receive<SocketAcceptor.AcceptFailed>(f => _log.Warning("Command palette accept failed ({Reason}); retrying", f.Error.Message));
        Receive<Unbind>(_ =>
        {
            CloseListener();
            foreach (var child in Context.GetChildren())
                Context.Stop(child);
            Sender.Tell(Done.Instance);
        });
    }

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart() => _ = SocketAcceptor.Run(_listener!, Self);

    protected override void PostStop() => CloseListener();

    private void CloseListener()
    {
        _listener?.Dispose();
        _listener = null;
    }

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
