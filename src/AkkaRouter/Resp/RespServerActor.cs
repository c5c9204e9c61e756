using System.Net.Sockets;
using Akka;
using Akka.Actor;
using Akka.Event;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Resp.Commands;

namespace AkkaRouter.Resp;

/// <summary>
/// The RESP lookup listener and the supervisor of one <see cref="RespConnectionActor"/> per client.
/// </summary>
/// <remarks>
/// Enforces max-clients at accept, sweeps idle and stalled connections once a second, and on
/// shutdown unbinds first (service-unbind) and then waits for connections to drain
/// (service-requests-done). A failing connection actor is stopped, never restarted: its socket
/// cannot be resumed, and the client reconnects.
/// A listener failure rebinds the port (<see cref="SocketListenerActor"/>): the lookup port is the router's reason to
/// be, and a fresh socket brings it back within the back-off without touching the node's cluster membership or
/// ring; when the port cannot be bound again, a node that looks up but cannot answer lookups is worse than a
/// stopped one, so the node stops (exit code 5) and its supervisor starts it again.
/// </remarks>
public sealed class RespServerActor : SocketListenerActor
{
    /// <summary>Stop accepting and drain connections; replies <see cref="Done"/> once unbound.</summary>
    public sealed record Unbind
    {
        public static readonly Unbind Instance = new();
    }

    /// <summary>Replies <see cref="Done"/> when every connection has closed.</summary>
    public sealed record AwaitDrained
    {
        public static readonly AwaitDrained Instance = new();
    }

    private sealed record Sweep
    {
        public static readonly Sweep Instance = new();
    }

    private readonly RespServerSettings _settings;
    private readonly RespClientRegistry _registry;
    private readonly RespCommandHandler _handler;
    private readonly RespParser _parser;
    // The RESP port's certificate when akka-router.resp.tls is on (reloaded when its files change).
    private readonly Tls.PemCertificateSource? _certificates;
    private readonly RespServerInfo _info;
    private readonly RouterMetrics _metrics;
    private readonly RespCommandStats _stats;
    private readonly List<IActorRef> _drainWaiters = new();
    private int _connections;

    public RespServerActor(ListenerBinding binding, ListenerRebindSettings rebind, RespServerSettings settings, RingView ring, RespClientRegistry registry, RespServerInfo info, ListenerRegistry listeners,
        RouterMetrics metrics, RespCommandStats stats, TracingSettings? tracing = null)
        : base(binding, listeners, rebind)
    {
        _metrics = metrics;
        _stats = stats;
        _settings = settings;
        _registry = registry;
        _info = info;
        _parser = new RespParser(new RespLimits
        {
            MaxArguments = settings.MaxArguments,
            MaxBulkLength = settings.MaxBulkLength,
            MaxMultibulkLength = Math.Max(RespLimits.Default.MaxMultibulkLength, settings.MaxBulkLength + RespLimits.Default.MaxInlineLength),
        });
        _handler = new RespCommandHandler(ring, settings, registry, info, tracing is { Resp: true } ? tracing.RespSampleEvery : 0);
        _certificates = settings.ListenerTls.Enabled ? new Tls.PemCertificateSource(settings.ListenerTls, "RESP", metrics.TlsReloads) : null;

        Receive<Sweep>(_ => SweepConnections());
        Receive<Unbind>(_ =>
        {
            StopListening();
            foreach (var child in Context.GetChildren())
                child.Tell(RespConnectionActor.Drain.Instance);
            Sender.Tell(Done.Instance);
        });
        Receive<AwaitDrained>(_ =>
        {
            if (!Context.GetChildren().Any()) Sender.Tell(Done.Instance);
            else _drainWaiters.Add(Sender);
        });
        Receive<Terminated>(_ =>
        {
            _connections--;
            if (Context.GetChildren().Any())
                return;
            foreach (var waiter in _drainWaiters)
                waiter.Tell(Done.Instance);
            _drainWaiters.Clear();
        });
    }

    /// <summary>Props for a server on an already bound listener (binding happens at start-up, so a busy port fails the node).</summary>
    public static Props Props(ListenerBinding binding, ListenerRebindSettings rebind, RespServerSettings settings, RingView ring, RespClientRegistry registry, RespServerInfo info, ListenerRegistry listeners,
        RouterMetrics metrics, RespCommandStats stats, TracingSettings? tracing = null) =>
        Akka.Actor.Props.Create(() => new RespServerActor(binding, rebind, settings, ring, registry, info, listeners, metrics, stats, tracing));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _info.Port = Binding.Endpoint.Port;
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(1));
        base.PreStart();
        if (Accepting)
            Log.Info("RESP lookups listening on {RespEndpoint}", Binding.Endpoint);
    }

    protected override void OnAccepted(Socket socket)
    {
        // Counted here, not in the registry: a connection registers itself only once its actor has
        // started, so a burst of accepts would all pass a registry check.
        if (_connections >= _settings.MaxClients)
        {
            _registry.Rejected();
            _metrics.RespConnectionsTotal.WithLabels("rejected").Inc();
            RejectWithError(socket);
            return;
        }
        try
        {
            socket.NoDelay = true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer reset the connection between accept and here.
            socket.Dispose();
            return;
        }
        _metrics.RespConnectionsTotal.WithLabels("accepted").Inc();
        var id = _registry.NextId();
        var child = Context.ActorOf(RespConnectionActor.Props(socket, id, _registry, _handler, _parser, _metrics, _stats, _certificates), $"client-{id}");
        Context.Watch(child);
        _connections++;
    }

    private static void RejectWithError(Socket socket)
    {
        try
        {
            socket.Blocking = false;
            socket.Send(RespErrors.MaxClients);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    private void SweepConnections()
    {
        var now = Environment.TickCount64;
        var idleLimit = (long)_settings.IdleTimeout.TotalMilliseconds;
        var outputLimit = (long)_settings.OutputTimeout.TotalMilliseconds;
        foreach (var client in _registry.Clients)
        {
            var sendStarted = client.SendStartedTicks;
            if (sendStarted != 0 && now - sendStarted > outputLimit)
                client.Handler.Tell(new RespConnectionActor.Kill($"client has not read its replies for {_settings.OutputTimeout.TotalSeconds:0} s"));
            else if (idleLimit > 0 && sendStarted == 0 && now - client.LastActivityTicks > idleLimit)
                client.Handler.Tell(new RespConnectionActor.Kill($"idle for more than {_settings.IdleTimeout.TotalSeconds:0} s"));
        }
    }
}
