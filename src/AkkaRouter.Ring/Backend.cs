using System.Text;

namespace AkkaRouter.Ring;

/// <summary>A backend on the ring: a stable ring identity, the endpoint clients are sent to, a weight and an informational zone.</summary>
public sealed class Backend : IEquatable<Backend>
{
    private readonly byte[] _endpointUtf8;

    /// <summary>Creates a backend. Validation happens when it is placed on a ring, so a snapshot can name the offending entry.</summary>
    /// <param name="id">Stable ring identity; placement depends only on it and the weight. Usually the endpoint itself.</param>
    /// <param name="endpoint">Where requests for keys owned by this backend go.</param>
    /// <param name="weight">Relative share of the hash space, 0 (no points) to <see cref="RingSnapshot.MaxWeight"/>.</param>
    /// <param name="zone">Informational only; it never affects placement.</param>
    public Backend(string id, string endpoint, double weight = 1.0, string zone = "")
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(zone);
        Id = id;
        Endpoint = endpoint;
        Weight = weight;
        Zone = zone;
        _endpointUtf8 = Encoding.UTF8.GetBytes(endpoint);
        IdUtf8 = Encoding.UTF8.GetBytes(id);
        ZoneUtf8 = Encoding.UTF8.GetBytes(zone);
    }

    public string Id { get; }

    public string Endpoint { get; }

    public double Weight { get; }

    public string Zone { get; }

    /// <summary>The endpoint as UTF-8, encoded once so reply writers never allocate.</summary>
    public ReadOnlyMemory<byte> EndpointUtf8 => _endpointUtf8;

    /// <summary>"up", or "drained" for weight 0 (a member that owns no keys), as RING.NODES and `ring show` print it.</summary>
    public string State => Weight > 0 ? "up" : "drained";

    /// <summary>The id as UTF-8: the input of the backend's point seed.</summary>
    internal byte[] IdUtf8 { get; }

    /// <summary>The zone as UTF-8, for the checksum.</summary>
    internal byte[] ZoneUtf8 { get; }

    public bool Equals(Backend? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(Id, other.Id, StringComparison.Ordinal)
                && string.Equals(Endpoint, other.Endpoint, StringComparison.Ordinal)
                && Weight.Equals(other.Weight)
                && string.Equals(Zone, other.Zone, StringComparison.Ordinal)));

    public override bool Equals(object? obj) => Equals(obj as Backend);

    // Only for hash containers in the caller's process; placement never uses it.
    public override int GetHashCode() => HashCode.Combine(Id, Endpoint, Weight, Zone);

    public override string ToString() =>
        Zone.Length == 0 ? $"{Id} -> {Endpoint} (w={Weight})" : $"{Id} -> {Endpoint} (w={Weight}, zone={Zone})";
}
