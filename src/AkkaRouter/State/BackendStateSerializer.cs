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
/// </remarks>
public sealed class BackendStateSerializer(ExtendedActorSystem system) : Serializer(system)
{
    /// <summary>Registered in the node's HOCON; unique among the system's serializers.</summary>
    public const int Id = 8101;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => obj switch
    {
        ReplicatedBackendState state => BackendStateCodec.Write(state.Table),
        _ => throw new ArgumentException($"{nameof(BackendStateSerializer)} cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, Type type)
    {
        var skipped = new List<string>();
        var table = BackendStateCodec.Read(bytes, skipped);
        foreach (var entry in skipped)
            system.Log.Warning("Replicated backend state: ignored {Entry}, which this node cannot read", entry);
        return new ReplicatedBackendState(table);
    }
}
