using System.Globalization;
using Akka.Cluster;
using AkkaRouter.Ring;

namespace AkkaRouter.Membership;

/// <summary>
/// Carries a backend's ring entry (id, endpoint, zone, weight) inside its cluster roles.
/// </summary>
/// <remarks>
/// Roles travel with the member in every gossip, so a router learns a member and its endpoint in
/// the same event: a member can never be on the ring without its endpoint, on any node, and no
/// extra protocol or round-trip is needed. Prefixed roles are hidden from operators' role lists.
/// </remarks>
public static class BackendAdvertisement
{
    /// <summary>Prefix of every role this class writes.</summary>
    public const string RolePrefix = "ring-";
    private const string IdRole = RolePrefix + "id=";
    private const string EndpointRole = RolePrefix + "endpoint=";
    private const string ZoneRole = RolePrefix + "zone=";
    private const string WeightRole = RolePrefix + "weight=";
    private const string ServiceRole = RolePrefix + "service=";

    /// <summary>The roles that advertise <paramref name="backend"/>.</summary>
    public static IEnumerable<string> ToRoles(Backend backend)
    {
        yield return IdRole + backend.Id;
        yield return EndpointRole + backend.Endpoint;
        yield return ZoneRole + backend.Zone;
        yield return WeightRole + backend.Weight.ToString("R", CultureInfo.InvariantCulture);
        // Only when not the default, so members of earlier versions (which advertise none) read the same.
        if (backend.Service != Backend.DefaultService)
            yield return ServiceRole + backend.Service;
    }

    /// <summary>The backend a member advertises, or null if it is not a backend or advertises nothing usable.</summary>
    public static Backend? FromMember(Member member)
    {
        if (!member.HasRole(Configuration.NodeRoles.Backend))
            return null;
        string? id = null, endpoint = null, zone = "", service = Backend.DefaultService;
        var weight = 1.0;
        foreach (var role in member.Roles)
        {
            if (role.StartsWith(IdRole, StringComparison.Ordinal)) id = role[IdRole.Length..];
            else if (role.StartsWith(EndpointRole, StringComparison.Ordinal)) endpoint = role[EndpointRole.Length..];
            else if (role.StartsWith(ZoneRole, StringComparison.Ordinal)) zone = role[ZoneRole.Length..];
            else if (role.StartsWith(ServiceRole, StringComparison.Ordinal)) service = role[ServiceRole.Length..];
            else if (role.StartsWith(WeightRole, StringComparison.Ordinal)
                     && !double.TryParse(role.AsSpan(WeightRole.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                return null;
        }
        // A member advertising something this node would refuse in its own configuration (another
        // version, hand-edited roles) stays off the ring rather than breaking every update.
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(endpoint) || service.Length == 0 || !double.IsFinite(weight) || weight < 0 || weight > RingSnapshot.MaxWeight)
            return null;
        try
        {
            Configuration.RouterSettingsReader.ValidateEndpoint(endpoint, "ring-endpoint");
        }
        catch (Configuration.ConfigurationError)
        {
            return null;
        }
        return new Backend(id, endpoint, weight, zone, service: service);
    }

    /// <summary>Roles as an operator wants to read them: without the advertisement entries.</summary>
    public static IEnumerable<string> VisibleRoles(IEnumerable<string> roles) =>
        roles.Where(r => !r.StartsWith(RolePrefix, StringComparison.Ordinal) && !r.StartsWith("dc-", StringComparison.Ordinal));
}
