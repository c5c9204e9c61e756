using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace AkkaRouter.State;

/// <summary>How this node reads and writes the replicated backend state.</summary>
public static class StateReplication
{
    /// <summary>
    /// Writes go to every reachable node directly, not only by gossip, so every router has a change within one round
    /// trip plus notify-subscribers-interval; a node that does not answer in time still gets it by gossip.
    /// </summary>
    public static readonly IWriteConsistency Write = new WriteAll(TimeSpan.FromSeconds(2));

    /// <summary>A writer's first read: a majority, so it sees what its predecessor wrote before taking the next epoch.</summary>
    public static readonly IReadConsistency FirstRead = new ReadMajority(TimeSpan.FromSeconds(3));

    public static IActorRef Replicator(ActorSystem system) => DistributedData.Get(system).Replicator;

    /// <summary>This node's name as a writer of entries.</summary>
    public static string SelfWriter(ActorSystem system) => ReplicatedBackendState.WriterName(Cluster.Get(system).SelfUniqueAddress);

    /// <summary>
    /// The update that writes <paramref name="report"/> as backend <paramref name="id"/>'s health entry, with the
    /// writer's next version. The version is taken inside the update, against the replicator's own copy: the
    /// replicator runs modify functions one at a time, so no other write slips in between reading the entry and
    /// superseding it.
    /// </summary>
    public static Update WriteHealth(string id, Placement.HealthReport report, Placement.EntryVersions versions) =>
        Dsl.Update(ReplicatedBackendState.Key, ReplicatedBackendState.Empty, Write, current =>
        {
            current.Table.Health.TryGetValue(id, out var seen);
            return new ReplicatedBackendState(current.Table.WithHealth(id, report with { Version = versions.Next(id, seen?.Version) }));
        });

    /// <summary>The update that writes <paramref name="set"/> as discovery source <paramref name="source"/>'s set, with the writer's next version.</summary>
    public static Update WriteDiscovered(string source, Placement.Discovery.DiscoveredSet set, Placement.EntryVersions versions) =>
        Dsl.Update(ReplicatedBackendState.Key, ReplicatedBackendState.Empty, Write, current =>
        {
            current.Table.Discovered.TryGetValue(source, out var seen);
            return new ReplicatedBackendState(current.Table.WithDiscovered(source, set with { Version = versions.Next(source, seen?.Version) }));
        });

    /// <summary>The table in a Get reply: empty for NotFound, null for a failed read.</summary>
    public static Placement.BackendStateTable? FromGet(object reply) => reply switch
    {
        GetSuccess success => success.Get(ReplicatedBackendState.Key).Table,
        NotFound => Placement.BackendStateTable.Empty,
        _ => null,
    };
}
