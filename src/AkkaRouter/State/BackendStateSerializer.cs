using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using AkkaRouter.Placement;

namespace AkkaRouter.State;

/// <summary>
/// Serializes <see cref="ReplicatedBackendState"/> with <see cref="BackendStateCodec"/>'s compact binary format, so
/// gossip never falls back to JSON and every version of the node can read what another wrote.
/// </summary>
/// <remarks>
/// An entry this node cannot use is skipped with a warning and the rest of the table is kept; a frame that cannot be
/// read at all throws, and Akka's remoting drops that one message with an error log: the replicator and the ring
/// keep the last state they had.
/// <para>
/// The whole table travels in one remote message (every write and every gossip of it), so it must fit
/// <c>akka.remote.dot-netty.tcp.maximum-frame-size</c> (128,000 bytes by default; about 124 bytes per backend, so
/// about 1,000 backends). Akka drops a larger message with an error that names neither the state nor the remedy;
/// this serializer warns once the encoded table passes 80% of the limit and logs an error once it no longer fits,
/// each when the size first crosses that line.
/// </para>
/// </remarks>
public sealed class BackendStateSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>Registered in the node's HOCON; unique among the system's serializers.</summary>
    public const int Id = 8101;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    /// <summary>The remoting setting that bounds one message.</summary>
    public const string FrameSizePath = "akka.remote.dot-netty.tcp.maximum-frame-size";

    /// <summary>What the replicator's write or gossip message adds around the table (key, envelope, addresses).</summary>
    public const int EnvelopeAllowance = 1024;

    private readonly long _frameLimit = FrameLimit(system);

    // 0: the table fits comfortably; 1: past 80% of the frame limit; 2: over it. Logged on each rise.
    private int _sizeLevel;

    public override byte[] ToBinary(object obj) => obj switch
    {
        ReplicatedBackendState state => CheckSize(BackendStateCodec.Write(state.Table), state.Table),
        _ => throw new ArgumentException($"{nameof(BackendStateSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    private byte[] CheckSize(byte[] bytes, BackendStateTable table)
    {
        if (_frameLimit <= 0)
            return bytes;
        var level = bytes.Length + EnvelopeAllowance > _frameLimit ? 2 : bytes.Length > _frameLimit * 0.8 ? 1 : 0;
        var previous = Interlocked.Exchange(ref _sizeLevel, level);
        if (level <= previous)
            return bytes;
        var entries = table.Health.Count + table.Overrides.Count + table.Discovered.Count;
        if (level == 2)
            system.Log.Error(
                "Replicated backend state is {0} bytes ({1} entries) and no longer fits one remote message ({2} = {3} bytes): its writes and gossip are dropped, so health verdicts, drains and weights stop reaching other nodes. Raise {2} on every node",
                bytes.Length, entries, FrameSizePath, _frameLimit);
        else
            system.Log.Warning(
                "Replicated backend state is {0} bytes ({1} entries), {2:0}% of {3} ({4} bytes); past it, its writes and gossip are dropped. Raise {3} on every node before the fleet grows further",
                bytes.Length, entries, 100.0 * bytes.Length / _frameLimit, FrameSizePath, _frameLimit);
        return bytes;
    }

    private static long FrameLimit(ExtendedActorSystem system)
    {
        var config = system.Settings.Config;
        return config.HasPath(FrameSizePath) ? config.GetByteSize(FrameSizePath) ?? 0 : 0;
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        var skipped = new List<string>();
        var table = BackendStateCodec.Read(bytes, skipped);
        foreach (var entry in skipped)
            system.Log.Warning("Replicated backend state: ignored {Entry}, which this node cannot read", entry);
        return new ReplicatedBackendState(table);
    }
}
