namespace AkkaRouter.Placement.Discovery;

/// <summary>One backend found by discovery: its ring identity and endpoint, its service and zone, and the SRV record it came from.</summary>
/// <param name="Id">Ring identity: the SRV target and port, stable while the target's address changes.</param>
/// <param name="Endpoint">The target's address and the port: where its keys' requests go.</param>
/// <param name="Service">The service of the discovery entry that found it.</param>
/// <param name="Zone">The zone of the discovery entry that found it.</param>
/// <param name="Srv">The record: its priority group and weight place it.</param>
public sealed record DiscoveredBackend(string Id, string Endpoint, string Service, string Zone, SrvRecord Srv);

/// <summary>
/// The backends one discovery source (one <c>akka-router.discovery.dns-srv</c> entry) found, as its single writer (the
/// discovery singleton) last published them, with the version that decides which write wins and a note on the last
/// lookup (empty when it succeeded; otherwise why the set shown is the last good one).
/// </summary>
public sealed record DiscoveredSet(IReadOnlyList<DiscoveredBackend> Backends, string Note, long ResolvedUnixMs, StateVersion Version, string Writer)
{
    /// <summary>How the note of a set kept after a failed or empty lookup starts.</summary>
    public const string LookupFailed = "lookup failed";

    /// <summary>Whether these are the last good answer's backends, kept because the last lookup failed.</summary>
    public bool Kept => Note.StartsWith(LookupFailed, StringComparison.Ordinal);

    public bool Equals(DiscoveredSet? other) =>
        other is not null && Backends.SequenceEqual(other.Backends) && Note == other.Note && ResolvedUnixMs == other.ResolvedUnixMs
        && Version == other.Version && Writer == other.Writer;

    public override int GetHashCode() => HashCode.Combine(Backends.Count, Note, ResolvedUnixMs, Version, Writer);
}
