using System.Globalization;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Placement;
using AkkaRouter.Resp;
using AkkaRouter.Ring;

namespace AkkaRouter.Resp.Commands;

/// <summary>GET, MGET and the RING.* commands: answers read one immutable snapshot, never an actor.</summary>
/// <remarks>
/// GET, MGET and DBSIZE answer from the <c>default</c> service. Other services are named in the command itself
/// (RING.GET service key; a trailing service argument to RING.LOOKUP, RING.NODES, RING.INFO and RING.EXPLAIN), never
/// by connection state: nginx and client libraries share pooled connections between requests for any service.
/// </remarks>
internal sealed class RingCommands(RingView ring)
{
    /// <summary>RING.LOOKUP's count when none is given: the owner and two fallbacks.</summary>
    public const int DefaultLookupCount = 3;

    private const int MaxLookupCount = 1024;

    // RING.LOOKUP's preference list, reused by every lookup on the thread (the handler is shared by all connections;
    // Lookup fills and writes it without awaiting), so the lookup nginx's front sends for a path allocates nothing.
    // Grown to the largest count asked for on the thread.
    [ThreadStatic] private static Backend?[]? t_preference;

    /// <summary>Answers GET; returns whether the ring had an owner.</summary>
    public bool Get(ReadOnlySpan<byte> key, RespWriter writer)
    {
        var owner = ring.Current.Owner(key);
        if (owner is null)
            writer.Raw(RespErrors.NoBackends);
        else
            writer.BulkString(owner.EndpointUtf8.Span);
        return owner is not null;
    }

    /// <summary>Answers RING.GET service key; returns whether the ring had an owner. Allocates nothing for a known service.</summary>
    public bool ServiceGet(RespCommand command, RespWriter writer)
    {
        if (Service(command, 1, writer) is not { } service)
            return false;
        var owner = service.Current.Owner(command[2]);
        if (owner is null)
            writer.Raw(RespErrors.NoBackends);
        else
            writer.BulkString(owner.EndpointUtf8.Span);
        return owner is not null;
    }

    // The service named by argument `index`, the default when the command has no such argument; null (with the error
    // written) when this node knows no service of that name.
    private ServiceRing? Service(RespCommand command, int index, RespWriter writer)
    {
        if (command.Count <= index)
            return ring.Default;
        if (ring.Find(command[index]) is { } service)
            return service;
        writer.Error($"ERR unknown service '{System.Text.Encoding.UTF8.GetString(command[index])}' (known: {string.Join(", ", ring.Services.Select(s => s.Name))})");
        return null;
    }

    // For commands whose optional last argument (at `index`) names the service: null, with the error written, when
    // there are more arguments or the service is unknown.
    private ServiceRing? LastArgumentService(RespCommand command, int index, RespWriter writer)
    {
        if (command.Count <= index + 1)
            return Service(command, index, writer);
        writer.Raw(RespErrors.Syntax);
        return null;
    }

    public void MGet(RespCommand command, RespWriter writer, RespBatchCounts counts)
    {
        var snapshot = ring.Current;
        if (!snapshot.HasOwners)
        {
            for (var i = 1; i < command.Count; i++)
                counts.Lookup(hit: false);
            writer.Raw(RespErrors.NoBackends);
            return;
        }
        writer.ArrayHeader(command.Count - 1);
        for (var i = 1; i < command.Count; i++)
        {
            writer.BulkString(snapshot.Owner(command[i])!.EndpointUtf8.Span);
            counts.Lookup(hit: true);
        }
    }

    public void Lookup(RespCommand command, RespWriter writer, RespBatchCounts counts)
    {
        if (command.Count > 4)
        {
            writer.Raw(RespErrors.Syntax);
            return;
        }
        var count = (long)DefaultLookupCount;
        if (command.Count == 3 && !command.TryGetInt64(2, out count))
        {
            writer.Raw(RespErrors.NotAnInteger);
            return;
        }
        if (count is < 1 or > MaxLookupCount)
        {
            writer.Error($"ERR count must be between 1 and {MaxLookupCount}");
            return;
        }
        if (Service(command, 3, writer) is not { } service)
        {
            counts.Lookup(hit: false);
            return;
        }
        var snapshot = service.Current;
        counts.Lookup(hit: snapshot.HasOwners);
        if (!snapshot.HasOwners)
        {
            writer.Raw(RespErrors.NoBackends);
            return;
        }
        var wanted = Math.Min((int)count, snapshot.Count);
        var scratch = t_preference;
        if (scratch is null || scratch.Length < wanted)
            t_preference = scratch = new Backend?[Math.Max(wanted, Math.Max(4, (scratch?.Length ?? 0) * 2))];
        var list = scratch.AsSpan(0, wanted);
        var found = snapshot.PreferenceList(command[1], list);
        writer.ArrayHeader(found);
        for (var i = 0; i < found; i++)
            writer.BulkString(list[i]!.EndpointUtf8.Span);
        // The scratch list outlives the snapshot: it must not keep departed backends alive.
        list[..found].Clear();
    }

    /// <summary>
    /// One flat field/value list per backend, owners and non-owners alike: id, endpoint, service, zone, state,
    /// weight (configured), effective-weight, share and reason.
    /// </summary>
    public void Nodes(RespCommand command, RespWriter writer)
    {
        if (LastArgumentService(command, 1, writer) is not { } service)
            return;
        var snapshot = service.Current;
        writer.ArrayHeader(snapshot.Count);
        foreach (var backend in snapshot.Backends)
        {
            writer.MapHeader(9);
            writer.BulkString("id"); writer.BulkString(backend.Id);
            writer.BulkString("endpoint"); writer.BulkString(backend.Endpoint);
            writer.BulkString("service"); writer.BulkString(backend.Service);
            writer.BulkString("zone"); writer.BulkString(backend.Zone);
            writer.BulkString("state"); writer.BulkString(backend.State.Name());
            writer.BulkString("weight"); writer.BulkString(BackendFields.Weight(backend.ConfiguredWeight));
            writer.BulkString("effective-weight"); writer.BulkString(BackendFields.Weight(backend.Weight));
            writer.BulkString("share"); writer.BulkString(snapshot.ShareOf(backend.Id).ToString("0.######", CultureInfo.InvariantCulture));
            writer.BulkString("reason"); writer.BulkString(backend.Reason);
        }
    }

    /// <summary>
    /// RING.EXPLAIN key: key, position (hex), owner, rule, and the candidates in preference order (then those owning no
    /// keys), each a flat field/value list: rank (0 = owns no keys), id, endpoint, zone, state, weight,
    /// effective-weight, health, cache-hit-rate, zone-cost, score, reason (score fields empty without signals).
    /// </summary>
    public void Explain(RespCommand command, RespWriter writer)
    {
        if (LastArgumentService(command, 2, writer) is not { } service)
            return;
        var explanation = KeyExplanation.Of(service.Current, ring.State, System.Text.Encoding.UTF8.GetString(command[1]));
        writer.MapHeader(5);
        writer.BulkString("key"); writer.BulkString(explanation.Key);
        writer.BulkString("position"); writer.BulkString(explanation.Position.ToString("x8", CultureInfo.InvariantCulture));
        writer.BulkString("owner"); writer.BulkString(explanation.Owner?.Endpoint ?? "");
        writer.BulkString("rule"); writer.BulkString(explanation.Rule);
        writer.BulkString("candidates");
        writer.ArrayHeader(explanation.Candidates.Count);
        foreach (var c in explanation.Candidates)
        {
            var b = c.Backend;
            writer.MapHeader(12);
            writer.BulkString("rank"); writer.BulkString(c.Rank.ToString(CultureInfo.InvariantCulture));
            writer.BulkString("id"); writer.BulkString(b.Id);
            writer.BulkString("endpoint"); writer.BulkString(b.Endpoint);
            writer.BulkString("zone"); writer.BulkString(b.Zone);
            writer.BulkString("state"); writer.BulkString(b.State.Name());
            writer.BulkString("weight"); writer.BulkString(BackendFields.Weight(b.ConfiguredWeight));
            writer.BulkString("effective-weight"); writer.BulkString(BackendFields.Weight(b.Weight));
            writer.BulkString("health"); writer.BulkString(BackendFields.Score(c.Score?.Inputs.Health));
            writer.BulkString("cache-hit-rate"); writer.BulkString(BackendFields.Score(c.Score?.Inputs.CacheHitRate));
            writer.BulkString("zone-cost"); writer.BulkString(BackendFields.Score(c.Score?.Inputs.ZoneCost));
            writer.BulkString("score"); writer.BulkString(BackendFields.Score(c.Score?.Value));
            writer.BulkString("reason"); writer.BulkString(b.Reason);
        }
    }

    public void Info(RespCommand command, RespWriter writer)
    {
        if (LastArgumentService(command, 1, writer) is not { } service)
            return;
        var snapshot = service.Current;
        writer.MapHeader(5);
        writer.BulkString("version"); writer.Integer(snapshot.Version);
        writer.BulkString("members"); writer.Integer(snapshot.Count);
        writer.BulkString("points"); writer.Integer(snapshot.PointCount);
        writer.BulkString("checksum"); writer.BulkString(snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
        writer.BulkString("placement"); writer.BulkString(service.Scope);
    }

    /// <summary>RING.SERVICES: one flat field/value list per service (the default first): name, version, members, owners, points, checksum, placement.</summary>
    public void Services(RespWriter writer)
    {
        var services = ring.Services;
        writer.ArrayHeader(services.Count);
        foreach (var service in services)
        {
            var snapshot = service.Current;
            writer.MapHeader(7);
            writer.BulkString("name"); writer.BulkString(service.Name);
            writer.BulkString("version"); writer.Integer(snapshot.Version);
            writer.BulkString("members"); writer.Integer(snapshot.Count);
            writer.BulkString("owners"); writer.Integer(snapshot.OwnerCount);
            writer.BulkString("points"); writer.Integer(snapshot.PointCount);
            writer.BulkString("checksum"); writer.BulkString(snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
            writer.BulkString("placement"); writer.BulkString(service.Scope);
        }
    }
}
