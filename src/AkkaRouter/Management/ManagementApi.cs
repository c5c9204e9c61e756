using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using AkkaRouter.Membership;
using AkkaRouter.Ring;

namespace AkkaRouter.Management;

/// <summary>The JSON documents of /api/ring and /api/cluster.</summary>
public static class ManagementApi
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <summary>
    /// The default service's ring at the top level (as before services existed), and every service's ring, the default
    /// first, under "services".
    /// </summary>
    public static void WriteRing(Utf8JsonWriter json, RingView ring)
    {
        json.WriteStartObject();
        WriteServiceRing(json, ring.Default);
        json.WriteStartArray("services");
        foreach (var service in ring.Services)
        {
            json.WriteStartObject();
            json.WriteString("name", service.Name);
            WriteServiceRing(json, service);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteServiceRing(Utf8JsonWriter json, ServiceRing service)
    {
        var snapshot = service.Current;
        var shares = snapshot.Shares();
        json.WriteNumber("version", snapshot.Version);
        json.WriteString("checksum", snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
        json.WriteNumber("members", snapshot.Count);
        json.WriteNumber("owners", snapshot.OwnerCount);
        json.WriteString("placement", service.Scope);
        json.WriteNumber("points", snapshot.PointCount);
        json.WriteStartArray("backends");
        foreach (var backend in snapshot.Backends)
        {
            json.WriteStartObject();
            json.WriteString("id", backend.Id);
            json.WriteString("endpoint", backend.Endpoint);
            json.WriteString("service", backend.Service);
            json.WriteString("zone", backend.Zone);
            json.WriteString("state", backend.State.Name());
            json.WriteNumber("weight", backend.ConfiguredWeight);
            json.WriteNumber("effective-weight", backend.Weight);
            json.WriteNumber("points", RingSnapshot.PointsFor(backend.Weight));
            json.WriteNumber("share", shares[backend.Id]);
            json.WriteString("reason", backend.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public static void WriteCluster(Utf8JsonWriter json, ActorSystem system)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        json.WriteStartObject();
        json.WriteString("self", cluster.SelfAddress.ToString());
        json.WriteString("leader", state.Leader?.ToString());
        json.WriteStartArray("members");
        foreach (var member in state.Members)
        {
            json.WriteStartObject();
            json.WriteString("address", member.Address.ToString());
            json.WriteString("status", member.Status.ToString());
            json.WriteBoolean("reachable", !unreachable.Contains(member.UniqueAddress));
            json.WriteStartArray("roles");
            foreach (var role in BackendAdvertisement.VisibleRoles(member.Roles).Order(StringComparer.Ordinal))
                json.WriteStringValue(role);
            json.WriteEndArray();
            if (BackendAdvertisement.FromMember(member) is { } backend)
                json.WriteString("endpoint", backend.Endpoint);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Serialises with <paramref name="write"/> into an indented UTF-8 document.</summary>
    public static byte[] Document(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Indented))
            write(json);
        return stream.ToArray();
    }
}
