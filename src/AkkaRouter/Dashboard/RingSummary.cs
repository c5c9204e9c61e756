namespace AkkaRouter.Dashboard;

/// <summary>Asks a router's ring actor (<c>/user/ring</c>) for its <see cref="RingSummary"/>.</summary>
public sealed class GetRingSummary
{
    public static readonly GetRingSummary Instance = new();
}

/// <summary>
/// One router's rings as it holds them: per service (same positions in every array) its name, version, checksum (16
/// hex digits) and the number of backends owning keys. Plain arrays of primitives, so any node can read it.
/// </summary>
public sealed record RingSummary(string[] Services, long[] Versions, string[] Checksums, int[] Owners);
