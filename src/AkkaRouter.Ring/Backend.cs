using System.Text;

namespace AkkaRouter.Ring;

/// <summary>
/// A backend on the ring: a stable ring identity, the endpoint clients are sent to, the weight it is placed with (its
/// effective weight), an informational zone, and why it has that weight: its state, configured weight and a reason.
/// </summary>
public sealed class Backend : IEquatable<Backend>
{
    private readonly byte[] _endpointUtf8;

    /// <summary>Creates a backend. Validation happens when it is placed on a ring, so a snapshot can name the offending entry.</summary>
    /// <param name="id">Stable ring identity; placement depends only on it and the weight. Usually the endpoint itself.</param>
    /// <param name="endpoint">Where requests for keys owned by this backend go.</param>
    /// <param name="weight">Relative share of the hash space, 0 (no points) to <see cref="RingSnapshot.MaxWeight"/>: the effective weight.</param>
    /// <param name="zone">Informational only; it never affects placement.</param>
    /// <param name="state">Default: <see cref="BackendState.Up"/>, or <see cref="BackendState.Draining"/> for weight 0.</param>
    /// <param name="configuredWeight">The weight before health, slow start and overrides; default: <paramref name="weight"/>.</param>
    /// <param name="reason">Why the backend is not plainly up (a failed check, an override), else empty.</param>
    /// <param name="service">The service whose ring the backend is on; informational on a snapshot (each service has its own ring).</param>
    public Backend(string id, string endpoint, double weight = 1.0, string zone = "",
        BackendState? state = null, double? configuredWeight = null, string reason = "", string service = DefaultService)
    {
        ArgumentNullException.ThrowIfNull(service);
        Service = service;
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(reason);
        Id = id;
        Endpoint = endpoint;
        Weight = weight;
        Zone = zone;
        State = state ?? (weight > 0 ? BackendState.Up : BackendState.Draining);
        ConfiguredWeight = configuredWeight ?? weight;
        Reason = reason;
        _endpointUtf8 = Encoding.UTF8.GetBytes(endpoint);
        IdUtf8 = Encoding.UTF8.GetBytes(id);
        ZoneUtf8 = Encoding.UTF8.GetBytes(zone);
    }

    /// <summary>The service of backends that name none.</summary>
    public const string DefaultService = "default";

    public string Id { get; }

    /// <summary>The service whose ring the backend is on.</summary>
    public string Service { get; }

    public string Endpoint { get; }

    /// <summary>The effective weight: what placement uses.</summary>
    public double Weight { get; }

    public string Zone { get; }

    public BackendState State { get; }

    /// <summary>The weight the backend was configured or advertised with, before health, slow start and overrides.</summary>
    public double ConfiguredWeight { get; }

    /// <summary>Why the backend is warming, unhealthy or draining; empty when it is plainly up.</summary>
    public string Reason { get; }

    /// <summary>True when the backend has points on the ring.</summary>
    public bool OwnsKeys => RingSnapshot.PointsFor(Weight) > 0;

    /// <summary>The endpoint as UTF-8, encoded once so reply writers never allocate.</summary>
    public ReadOnlyMemory<byte> EndpointUtf8 => _endpointUtf8;

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
                && string.Equals(Zone, other.Zone, StringComparison.Ordinal)
                && State == other.State
                && ConfiguredWeight.Equals(other.ConfiguredWeight)
                && string.Equals(Reason, other.Reason, StringComparison.Ordinal)
                && string.Equals(Service, other.Service, StringComparison.Ordinal)));

    public override bool Equals(object? obj) => Equals(obj as Backend);

    // Only for hash containers in the caller's process; placement never uses it.
    public override int GetHashCode() => HashCode.Combine(Id, Endpoint, Weight, Zone);

    public override string ToString() =>
        $"{Id} -> {Endpoint} ({State.Name()}, w={Weight}{(ConfiguredWeight.Equals(Weight) ? "" : $"/{ConfiguredWeight}")}{(Zone.Length == 0 ? "" : $", zone={Zone}")}{(Service == DefaultService ? "" : $", service={Service}")})";
}
