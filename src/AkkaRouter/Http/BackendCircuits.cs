namespace AkkaRouter.Http;

/// <summary>Where a backend's circuit stands, as the request path sees it.</summary>
public enum CircuitPhase
{
    /// <summary>No recent failures: forward, report failures only.</summary>
    Closed,
    /// <summary>Some consecutive failures, still below the threshold: forward, report every outcome.</summary>
    Suspect,
    /// <summary>Skip this backend until its reset timeout passes.</summary>
    Open,
    /// <summary>One request may probe the backend; every other request skips it.</summary>
    HalfOpen,
}

/// <summary>One backend's published circuit state; a new instance is published on every change.</summary>
public sealed class CircuitState
{
    private int _probeClaimed;

    public CircuitState(string endpoint, CircuitPhase phase, string reason)
    {
        Endpoint = endpoint;
        Phase = phase;
        Reason = reason;
        DestinationPrefix = "http://" + endpoint;
        HttpsDestinationPrefix = "https://" + endpoint;
    }

    public string Endpoint { get; }

    public CircuitPhase Phase { get; }

    /// <summary>Why the circuit is in this phase (the last failure), for error bodies and logs.</summary>
    public string Reason { get; }

    /// <summary>"http://host:port", built once per state instead of once per request.</summary>
    public string DestinationPrefix { get; }

    /// <summary>"https://host:port", for routes that reach their backends over HTTPS.</summary>
    public string HttpsDestinationPrefix { get; }

    /// <summary>In <see cref="CircuitPhase.HalfOpen"/>, true for exactly one caller: the probe.</summary>
    public bool TryClaimProbe() => Phase == CircuitPhase.HalfOpen && Interlocked.Exchange(ref _probeClaimed, 1) == 0;

    /// <summary>Whether the request path may send to this backend now (claims the probe when half-open).</summary>
    public bool Admits() => Phase switch
    {
        CircuitPhase.Closed or CircuitPhase.Suspect => true,
        CircuitPhase.HalfOpen => TryClaimProbe(),
        _ => false,
    };
}

/// <summary>
/// The circuit state of every backend, replaced wholesale by the <see cref="HttpEdgeActor"/> and read by the
/// request path with one volatile read: forwarding never waits on an actor.
/// </summary>
public sealed class BackendCircuits
{
    private IReadOnlyDictionary<string, CircuitState> _current = new Dictionary<string, CircuitState>(StringComparer.Ordinal);

    /// <summary>The latest published states, by endpoint; never mutated after publication.</summary>
    public IReadOnlyDictionary<string, CircuitState> Current => Volatile.Read(ref _current);

    /// <summary>The state of one backend, or null when the edge has no circuit for it yet (treated as closed).</summary>
    public CircuitState? Find(string endpoint) => Current.GetValueOrDefault(endpoint);

    internal void Publish(IReadOnlyDictionary<string, CircuitState> states) => Volatile.Write(ref _current, states);
}
