using AkkaRouter.Ring;

namespace AkkaRouter.Membership;

/// <summary>
/// The node's current ring snapshot, readable from any thread with one volatile read.
/// </summary>
/// <remarks>Only the <see cref="RingActor"/> writes it; lookups never wait on an actor.</remarks>
public sealed class RingView
{
    private RingSnapshot _current = RingSnapshot.Empty;
    private Placement.BackendStateTable _state = Placement.BackendStateTable.Empty;

    /// <summary>The latest published snapshot.</summary>
    public RingSnapshot Current => Volatile.Read(ref _current);

    private string _scope = Placement.BackendPlacement.AllBackends;

    /// <summary>What the current ring places keys among: all backends, this router's zone, or all after a fallback (with why).</summary>
    public string Scope => Volatile.Read(ref _scope);

    internal void PublishScope(string scope) => Volatile.Write(ref _scope, scope);

    /// <summary>The replicated backend state the ring actor last placed from (scores for explanations).</summary>
    public Placement.BackendStateTable State => Volatile.Read(ref _state);

    internal void Publish(RingSnapshot snapshot) => Volatile.Write(ref _current, snapshot);

    internal void Publish(Placement.BackendStateTable state) => Volatile.Write(ref _state, state);
}
