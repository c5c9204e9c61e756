namespace AkkaRouter.Ring;

/// <summary>Keys that changed owner between two snapshots, as an exact fraction of hash space, with per-backend gains/losses.</summary>
/// <param name="MovedFraction">Fraction of the 2^32 key positions whose owner differs.</param>
/// <param name="Gained">Fraction of the hash space each backend (by id) took over; only backends that gained appear.</param>
/// <param name="Lost">Fraction of the hash space each backend (by id) gave up; only backends that lost appear.</param>
public sealed record RingMovement(double MovedFraction, IReadOnlyDictionary<string, double> Gained, IReadOnlyDictionary<string, double> Lost);
