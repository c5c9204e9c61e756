using Akka.Cluster;
using Akka.DistributedData;
using AkkaRouter.Placement;

namespace AkkaRouter.State;

/// <summary>
/// The replicated backend state as an Akka.DistributedData value: a <see cref="BackendStateTable"/>, whose merge keeps
/// each entry's winning write.
/// </summary>
public sealed class ReplicatedBackendState : IReplicatedData<ReplicatedBackendState>, IEquatable<ReplicatedBackendState>
{
    /// <summary>The one key under which every node replicates the backend state.</summary>
    public static readonly BackendStateKey Key = new("akka-router-backend-state");

    public static readonly ReplicatedBackendState Empty = new(BackendStateTable.Empty);

    public ReplicatedBackendState(BackendStateTable table) => Table = table;

    public BackendStateTable Table { get; }

    public ReplicatedBackendState Merge(ReplicatedBackendState other)
    {
        var merged = Table.Merge(other.Table);
        return ReferenceEquals(merged, Table) ? this : new ReplicatedBackendState(merged);
    }

    public IReplicatedData Merge(IReplicatedData other) => Merge((ReplicatedBackendState)other);

    public bool Equals(ReplicatedBackendState? other) => other is not null && Table.Equals(other.Table);

    public override bool Equals(object? obj) => Equals(obj as ReplicatedBackendState);

    public override int GetHashCode() => Table.GetHashCode();

    public override string ToString() => Table.ToString();

    /// <summary>How a writer names itself in the entries it writes: a member incarnation, unique across restarts.</summary>
    public static string WriterName(UniqueAddress node) => $"{node.Address}#{node.Uid}";
}

/// <summary>The DistributedData key of <see cref="ReplicatedBackendState"/>.</summary>
public sealed class BackendStateKey(string id) : Key<ReplicatedBackendState>(id);
