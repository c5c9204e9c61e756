using System.Collections.Frozen;

namespace AkkaRouter.Http;

/// <summary>One backend's requests in flight at this edge.</summary>
public sealed class InFlightCount
{
    internal int Value;

    public int Current => Volatile.Read(ref Value);
}

/// <summary>
/// Requests in flight at this edge, per backend and in total: what bounded loads (akka-router.http.balance-factor)
/// decide from. The <see cref="HttpEdgeActor"/> replaces the per-backend table when the ring changes; the request path
/// finds a counter with one volatile read and counts with Interlocked: no lock, no allocation, no actor.
/// </summary>
/// <remarks>
/// An attempt holds on to the counter it entered, so one still running to a backend that left the ring leaves through
/// that same counter and the total stays exact: it is load this edge still carries.
/// </remarks>
public sealed class BackendLoads
{
    private FrozenDictionary<string, InFlightCount> _current = FrozenDictionary<string, InFlightCount>.Empty;
    private int _total;

    /// <summary>Requests in flight at this edge over all backends.</summary>
    public int Total => Volatile.Read(ref _total);

    /// <summary>The counter of one backend, or null when the edge does not track it (yet).</summary>
    public InFlightCount? Find(string endpoint) => Volatile.Read(ref _current).TryGetValue(endpoint, out var count) ? count : null;

    /// <summary>A request was sent to the backend of <paramref name="count"/>.</summary>
    public void Enter(InFlightCount count)
    {
        Interlocked.Increment(ref count.Value);
        Interlocked.Increment(ref _total);
    }

    /// <summary>That request's response completed or failed.</summary>
    public void Leave(InFlightCount count)
    {
        Interlocked.Decrement(ref count.Value);
        Interlocked.Decrement(ref _total);
    }

    /// <summary>Tracks exactly these backends; one that stays keeps its counter, and so its requests in flight.</summary>
    /// <remarks>A frozen dictionary: built once per ring change, read on every request.</remarks>
    internal void Track(IEnumerable<string> endpoints)
    {
        var current = Volatile.Read(ref _current);
        var next = new Dictionary<string, InFlightCount>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
            next[endpoint] = current.TryGetValue(endpoint, out var kept) ? kept : new InFlightCount();
        Volatile.Write(ref _current, next.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
