using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using AkkaRouter.Configuration;

namespace AkkaRouter.Hosting;

/// <summary>
/// An actor that owns a listening socket (RESP, command palette) and never leaves the node with a dead port while it
/// looks up: a listening socket that fails is replaced by a fresh one on the same address and port, and so is the
/// socket of an instance restarted by its supervisor; when binding fails <see cref="ListenerRebindSettings.Attempts"/>
/// times in a row, or the actor stops outside a shutdown, the node stops with
/// <see cref="RouterNode.ListenerFailedExitCode"/>.
/// </summary>
/// <remarks>
/// Connections already accepted belong to the subclass's children: a failed listening socket leaves them untouched,
/// while a restart of the actor closes them (their clients reconnect to the new socket).
/// </remarks>
public abstract class SocketListenerActor : ReceiveActor, IWithTimers
{
    private sealed record Rebind(int Attempt);

    private readonly ListenerBinding _binding;
    private readonly ListenerRegistry _listeners;
    private readonly ListenerRebindSettings _rebind;
    private Socket? _listener;
    private bool _unbound;
    private bool _restarting;

    protected SocketListenerActor(ListenerBinding binding, ListenerRegistry listeners, ListenerRebindSettings rebind)
    {
        _binding = binding;
        _listeners = listeners;
        _rebind = rebind;

        Receive<SocketAcceptor.Accepted>(a =>
        {
            if (_listener is null)
                a.Socket.Dispose();
            else
                OnAccepted(a.Socket);
        });
        Receive<SocketAcceptor.AcceptFailed>(f => Log.Warning("{Listener} accept failed ({Reason}); retrying", _binding.Description, f.Error.Message));
        Receive<SocketAcceptor.Stopped>(stopped =>
        {
            // A socket this actor closed itself (unbind, rebind, restart) stops quietly.
            if (!_unbound && ReferenceEquals(stopped.Listener, _listener))
                BeginRebind(stopped.Error.Message);
        });
        Receive<Rebind>(r => TryRebind(r.Attempt));
        Receive<ListenerFault>(fault => Inject(fault.Kind));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The address this listener binds, and its names.</summary>
    protected ListenerBinding Binding => _binding;

    /// <summary>False once the listener is closed for good (shutdown) or while it is rebinding.</summary>
    protected bool Accepting => _listener is not null;

    /// <summary>A connection the listener accepted; the subclass owns the socket from here.</summary>
    protected abstract void OnAccepted(Socket socket);

    /// <summary>Closes the listener for good (CoordinatedShutdown's service-unbind): no more accepts, no rebind.</summary>
    protected void StopListening()
    {
        _unbound = true;
        Timers.Cancel("rebind");
        CloseListener();
    }

    protected override void PreStart()
    {
        if (_binding.TakeInitial() is { } socket)
            StartAccepting(socket);
        else
            BeginRebind("the actor owning it was restarted after a failure");
    }

    protected override void PreRestart(Exception reason, object message)
    {
        _restarting = true;
        // Akka has logged the exception itself; this line says what happens to the port.
        Log.Warning("{Listener} listener's actor failed ({Reason}); restarting it on a fresh socket", _binding.Description, reason.Message);
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        CloseListener();
        if (_restarting || _unbound || NodeTermination.Stopping(Context.System))
            return;
        NodeTermination.StopForDeadListener(Context.System,
            $"{_binding.Description} listener on {_binding.Endpoint} stopped outside a shutdown; nothing accepts connections on its port");
    }

    private void StartAccepting(Socket socket)
    {
        _listener = socket;
        _listeners.Register(_binding.Name, _binding.Endpoint);
        _ = SocketAcceptor.Run(socket, Self);
    }

    private void BeginRebind(string reason)
    {
        CloseListener();
        _listeners.MarkDown(_binding.Name, $"{_binding.Description} listener is rebinding ({reason})");
        Log.Warning("{Listener} listener on {Endpoint} failed ({Reason}); binding a new socket on the same port", _binding.Description, _binding.Endpoint, reason);
        Timers.StartSingleTimer("rebind", new Rebind(1), _rebind.Delay(1));
    }

    private void TryRebind(int attempt)
    {
        try
        {
            StartAccepting(_binding.Rebind());
            Log.Info("{Listener} listening again on {Endpoint} (rebind attempt {Attempt})", _binding.Description, _binding.Endpoint, attempt);
        }
        catch (SocketException e)
        {
            if (attempt >= _rebind.Attempts)
            {
                NodeTermination.StopForDeadListener(Context.System,
                    $"{_binding.Description} listener on {_binding.Endpoint} is dead: {attempt} rebind attempts failed (last: {e.Message})");
                return;
            }
            Log.Warning("{Listener} rebind attempt {Attempt} of {Attempts} on {Endpoint} failed ({Reason})", _binding.Description, attempt, _rebind.Attempts, _binding.Endpoint, e.Message);
            Timers.StartSingleTimer("rebind", new Rebind(attempt + 1), _rebind.Delay(attempt + 1));
        }
    }

    private void Inject(ListenerFaultKind kind)
    {
        if (!ListenerFault.Enabled)
            return;
        Log.Warning("{Listener} listener: injecting fault {Fault} ({Variable}=on)", _binding.Description, kind, ListenerFault.Variable);
        switch (kind)
        {
            case ListenerFaultKind.Socket:
                _listener?.Shutdown(SocketShutdown.Both);
                break;
            case ListenerFaultKind.Crash:
                throw new InvalidOperationException($"injected failure of the {_binding.Description} listener");
            case ListenerFaultKind.Stop:
                Context.Stop(Self);
                break;
            case ListenerFaultKind.PortTaken:
                BeginRebind("injected: its port was taken by another socket");
                PortThief.Take(_binding);
                break;
        }
    }

    private void CloseListener()
    {
        var listener = _listener;
        _listener = null;
        listener?.Dispose();
    }

    // The socket that holds a listener's port for fault injection, kept for the life of the process.
    private static class PortThief
    {
        private static readonly List<Socket> Held = new();

        public static void Take(ListenerBinding binding)
        {
            lock (Held)
                Held.Add(binding.Rebind());
        }
    }
}
