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

    /// <summary>The replicated backend state the ring actor last placed from (scores for explanations).</summary>
    public Placement.BackendStateTable State => Volatile.Read(ref _state);

    internal void Publish(RingSnapshot snapshot) => Volatile.Write(ref _current, snapshot);

    internal void Publish(Placement.BackendStateTable state) => Volatile.Write(ref _state, state);
}
