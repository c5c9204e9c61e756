using System.Net;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;
using AkkaRouter.Ring;

using AkkaRouter.Metrics;

namespace AkkaRouter.Http;

/// <summary>
/// The HTTP edge: owns the Kestrel listener and its lifecycle, and supervises one
/// <see cref="BackendCircuitActor"/> per backend on the ring, folding their states into the
/// <see cref="BackendCircuits"/> snapshot the request path reads, and keeps the <see cref="BackendLoads"/> counters
/// in step with the ring.
/// </summary>
/// <remarks>
/// Requests never pass through this actor: they read the ring and circuit snapshots and tell outcomes
/// here. Each circuit runs under a BackoffSupervisor, so a failing circuit is restarted with back-off
/// and nothing a backend does reaches the edge itself.
/// A failure of the edge itself — this actor failing or stopping outside a shutdown, or Kestrel's accept loop ending —
/// stops the node (exit code 5) instead of rebinding: Kestrel owns its listening socket, so a rebind means a new
/// server, which aborts every request in flight and every circuit's state just as a process restart does, while a
/// restart by the node's supervisor also brings back anything else the failure may have broken. Rebinding inside the
/// process would only save the few seconds of a router start (a router owns no keys, so nothing moves).
/// </remarks>
public sealed class HttpEdgeActor : ReceiveActor
{
    /// <summary>Build and start the listener; replies <see cref="Bound"/> or a failure naming the problem.</summary>
    public sealed record Bind
    {
        public static readonly Bind Instance = new();
    }

    /// <summary>The listener is accepting requests on <paramref name="Endpoint"/>.</summary>
    public sealed record Bound(IPEndPoint Endpoint);

    /// <summary>Stop accepting; in-flight requests may finish within <paramref name="DrainTimeout"/>. Replies <see cref="Done"/>.</summary>
    public sealed record Unbind(TimeSpan DrainTimeout);

    /// <summary>Replies <see cref="Done"/> once in-flight requests finished (or the drain timeout aborted them).</summary>
    public sealed record AwaitDrained
    {
        public static readonly AwaitDrained Instance = new();
    }

    /// <summary>Kestrel's accept loop ended: nothing accepts on the edge's port any more.</summary>
    public sealed record AcceptLoopEnded(string Reason);

    private readonly HttpEdgeSettings _settings;
    private readonly RingView _ring;
    private readonly BackendCircuits _circuits;
    private readonly BackendLoads _loads;
    private readonly ListenerRegistry _listeners;
    private readonly HttpEdgeMetrics _metrics;
    private readonly TracingSettings? _tracing;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _supervisors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CircuitState> _states = new(StringComparer.Ordinal);
    private HttpEdgeServer? _server;
    private Task? _stopped;
    private long _incarnation;
    private bool _bound;
    private bool _unbound;
    private bool _failed;

    public HttpEdgeActor(HttpEdgeSettings settings, RingView ring, BackendCircuits circuits, BackendLoads loads, ListenerRegistry listeners,
        HttpEdgeMetrics metrics, TracingSettings? tracing = null)
    {
        _metrics = metrics;
        _tracing = tracing;
        _settings = settings;
        _ring = ring;
        _circuits = circuits;
        _loads = loads;
        _listeners = listeners;

        ReceiveAsync<Bind>(_ => OnBind());
        Receive<RingChanged>(_ => SyncCircuits());
        Receive<CircuitChanged>(changed => OnCircuitChanged(changed.State));
        Receive<BackendOutcome>(outcome =>
        {
            if (_supervisors.TryGetValue(outcome.Endpoint, out var circuit))
                circuit.Tell(outcome);
        });
        Receive<AcceptLoopEnded>(ended => StopNode($"HTTP edge listener on {_settings.Listener.Host}:{_settings.Listener.Port} stopped accepting ({ended.Reason})"));
        Receive<ListenerFault>(fault =>
        {
            if (!ListenerFault.Enabled)
                return;
            _log.Warning("HTTP edge: injecting fault {Fault} ({Variable}=on)", fault.Kind, ListenerFault.Variable);
            if (fault.Kind == ListenerFaultKind.Crash)
                throw new InvalidOperationException("injected failure of the HTTP edge");
            Context.Stop(Self);
        });
        Receive<Unbind>(unbind =>
        {
            _unbound = true;
            StopServer(unbind.DrainTimeout);
            Sender.Tell(Done.Instance);
        });
        Receive<AwaitDrained>(_ =>
        {
            var waiter = Sender;
            (_stopped ?? Task.CompletedTask).ContinueWith(_ => waiter.Tell(Done.Instance), TaskScheduler.Default);
        });
    }

    /// <summary>Props of the edge; the listener starts on <see cref="Bind"/>, so a busy port fails the node's start.</summary>
    public static Props Props(HttpEdgeSettings settings, RingView ring, BackendCircuits circuits, BackendLoads loads, ListenerRegistry listeners,
        HttpEdgeMetrics metrics, TracingSettings? tracing = null) =>
        Akka.Actor.Props.Create(() => new HttpEdgeActor(settings, ring, circuits, loads, listeners, metrics, tracing));

    // The circuits' BackoffSupervisors do not fail by themselves; should one, it is restarted like its child.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Restart);

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe<RingChanged>(Self);
        SyncCircuits();
    }

    protected override void PreRestart(Exception reason, object message)
    {
        StopNode($"HTTP edge failed ({reason.GetType().Name}: {reason.Message})");
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        // An edge that never bound was stopped by the start-up that failed to bind it: that failure is reported there.
        if (_bound && !_unbound && !NodeTermination.Stopping(Context.System))
            StopNode($"HTTP edge listener on {_settings.Listener.Host}:{_settings.Listener.Port} stopped outside a shutdown");
        Context.System.EventStream.Unsubscribe(Self);
        StopServer(TimeSpan.Zero);
        var server = _server;
        _stopped?.ContinueWith(_ => server?.DisposeAsync().AsTask(), TaskScheduler.Default);
    }

    // Once per incarnation: a restart's PreRestart and PostStop both see the same failure.
    private void StopNode(string line)
    {
        if (_failed)
            return;
        _failed = true;
        NodeTermination.StopForDeadListener(Context.System, line);
    }

    private async Task OnBind()
    {
        var asker = Sender;
        try
        {
            _server ??= HttpEdgeServer.Create(_settings, _ring, _circuits, _loads, Self, _metrics, _tracing);
            var bound = await _server.StartAsync();
            _bound = true;
            _listeners.Register("http", bound);
            _log.Info("HTTP edge listening on {HttpEndpoint}", bound);
            asker.Tell(new Bound(bound));
        }
        catch (Exception e)
        {
            asker.Tell(new Status.Failure(new InvalidOperationException(
                $"HTTP edge listener cannot bind {_settings.Listener.Host}:{_settings.Listener.Port}: {e.Message}", e)));
        }
    }

    private void StopServer(TimeSpan drainTimeout)
    {
        if (_server is null || _stopped is not null)
            return;
        _stopped = _server.StopAsync(drainTimeout);
    }

    // One circuit per endpoint on any service's ring.
    private void SyncCircuits()
    {
        var endpoints = new HashSet<string>(_ring.Services.SelectMany(s => s.Current.Backends).Select(b => b.Endpoint), StringComparer.Ordinal);
        _loads.Track(endpoints);
        foreach (var gone in _supervisors.Keys.Where(e => !endpoints.Contains(e)).ToList())
        {
            Context.Stop(_supervisors[gone]);
            _supervisors.Remove(gone);
            _states.Remove(gone);
        }
        foreach (var endpoint in endpoints.Where(e => !_supervisors.ContainsKey(e)))
        {
            // Probe slots are freed after the longest a probe can take, should its outcome be lost.
            var probeTimeout = _settings.ConnectTimeout + _settings.RequestTimeout + TimeSpan.FromSeconds(1);
            var circuit = BackendCircuitActor.Props(endpoint, Self, _settings.CircuitBreaker, probeTimeout);
            // Every failure, Kill included, restarts the circuit after a back-off (Akka's default would stop it).
            var supervisor = BackoffSupervisor.Props(Backoff.OnFailure(circuit, "circuit",
                    TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), 0.2, -1)
                .WithSupervisorStrategy(new OneForOneStrategy(_ => Directive.Restart)));
            _supervisors[endpoint] = Context.ActorOf(supervisor, $"backend-{Uri.EscapeDataString(endpoint)}-{++_incarnation}");
        }
        Publish();
    }

    private void OnCircuitChanged(CircuitState state)
    {
        // A state from a circuit of a backend that already left (or an earlier incarnation) is stale.
        if (!_supervisors.TryGetValue(state.Endpoint, out var supervisor) || !Sender.Path.Parent.Equals(supervisor.Path))
            return;
        _states[state.Endpoint] = state;
        Publish();
    }

    private void Publish() => _circuits.Publish(new Dictionary<string, CircuitState>(_states, StringComparer.Ordinal));
}
