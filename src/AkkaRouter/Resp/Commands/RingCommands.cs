using System.Globalization;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using AkkaRouter.Resp;
using AkkaRouter.Ring;

namespace AkkaRouter.Resp.Commands;

/// <summary>GET, MGET and the RING.* commands: answers read one immutable snapshot, never an actor.</summary>
internal sealed class RingCommands(RingView ring)
{
    /// <summary>RING.LOOKUP's count when none is given: the owner and two fallbacks.</summary>
    public const int DefaultLookupCount = 3;

    private const int MaxLookupCount = 1024;

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
        if (command.Count > 3)
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
        var snapshot = ring.Current;
        counts.Lookup(hit: snapshot.HasOwners);
        if (!snapshot.HasOwners)
        {
            writer.Raw(RespErrors.NoBackends);
            return;
        }
        Span<Backend?> list = new Backend?[Math.Min((int)count, snapshot.Count)];
        var found = snapshot.PreferenceList(command[1], list);
        writer.ArrayHeader(found);
        for (var i = 0; i < found; i++)
            writer.BulkString(list[i]!.EndpointUtf8.Span);
    }

    /// <summary>
    /// One flat field/value list per backend, owners and non-owners alike: id, endpoint, service, zone, state,
    /// weight (configured), effective-weight, share and reason.
    /// </summary>
    public void Nodes(RespWriter writer)
    {
        var snapshot = ring.Current;
        writer.ArrayHeader(snapshot.Count);
        foreach (var backend in snapshot.Backends)
        {
            writer.MapHeader(9);
            writer.BulkString("id"); writer.BulkString(backend.Id);
            writer.BulkString("endpoint"); writer.BulkString(backend.Endpoint);
            writer.BulkString("service"); writer.BulkString(BackendFields.DefaultService);
            writer.BulkString("zone"); writer.BulkString(backend.Zone);
            writer.BulkString("state"); writer.BulkString(backend.State.Name());
            writer.BulkString("weight"); writer.BulkString(BackendFields.Weight(backend.ConfiguredWeight));
            writer.BulkString("effective-weight"); writer.BulkString(BackendFields.Weight(backend.Weight));
            writer.BulkString("share"); writer.BulkString(snapshot.ShareOf(backend.Id).ToString("0.######", CultureInfo.InvariantCulture));
            writer.BulkString("reason"); writer.BulkString(backend.Reason);
        }
    }

    public void Info(RespWriter writer)
    {
        var snapshot = ring.Current;
        writer.MapHeader(4);
        writer.BulkString("version"); writer.Integer(snapshot.Version);
        writer.BulkString("members"); writer.Integer(snapshot.Count);
        writer.BulkString("points"); writer.Integer(snapshot.PointCount);
        writer.BulkString("checksum"); writer.BulkString(snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
    }
}
