using AkkaRouter.Ring;

namespace AkkaRouter.Membership;

/// <summary>Published on the event stream each time the ring actor replaces the snapshot.</summary>
/// <param name="Previous">The snapshot before the change.</param>
/// <param name="Current">The new snapshot, already visible through <see cref="RingView"/>.</param>
/// <param name="Movement">The exact fraction of key space that changed owner, and to/from whom.</param>
/// <param name="Reason">The membership change that caused it, for logs and the command palette.</param>
/// <param name="Service">Whose ring changed (each service has its own).</param>
public sealed record RingChanged(RingSnapshot Previous, RingSnapshot Current, RingMovement Movement, string Reason, string Service = BackendFields.DefaultService);

