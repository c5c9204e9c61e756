using System.Globalization;
using Akka.Actor;
using Akka.DistributedData;
using AkkaRouter.Membership;
using AkkaRouter.Placement;

namespace AkkaRouter.State;

/// <summary>An operator's instruction for one backend (BACKEND = ring id or endpoint).</summary>
public abstract record OverrideCommand(string Backend, string Source);

/// <summary>Take the backend's keys away; requests in flight finish.</summary>
public sealed record DrainBackend(string Backend, string Source) : OverrideCommand(Backend, Source);

/// <summary>Give a drained backend its keys back.</summary>
public sealed record UndrainBackend(string Backend, string Source) : OverrideCommand(Backend, Source);

/// <summary>Replace the backend's configured weight (0 to 100).</summary>
public sealed record SetBackendWeight(string Backend, double Weight, string Source) : OverrideCommand(Backend, Source);

/// <summary>The outcome of an <see cref="OverrideCommand"/>: a one-line message, and whether it was applied.</summary>
public sealed record OverrideResult(bool Applied, string Message);

/// <summary>
/// Writes operator overrides (drain, undrain, weight) into the replicated state on behalf of the node that took the
/// command. An override is keyed by ring id and stays until undone, across the backend's restarts.
/// </summary>
/// <remarks>
/// Each command reads the override from a majority and writes the next epoch above it, so the latest command wins
/// on every router whichever node took it; the reply comes once every reachable node has the write.
/// </remarks>
public sealed class BackendOverridesActor : ReceiveActor
{
    private readonly RingView _ring;
    private readonly IActorRef _replicator;
    private readonly string _writer;

    public BackendOverridesActor(RingView ring)
    {
        _ring = ring;
        _replicator = StateReplication.Replicator(Context.System);
        _writer = StateReplication.SelfWriter(Context.System);
        ReceiveAsync<OverrideCommand>(Handle);
    }

    public static Props Props(RingView ring) => Akka.Actor.Props.Create(() => new BackendOverridesActor(ring));

    private async Task Handle(OverrideCommand command)
    {
        var sender = Sender;
        // Ids are unique across services; an endpoint in several services is taken from the first (the default first).
        var all = _ring.Services.SelectMany(s => s.Current.Backends).ToList();
        var backend = all.FirstOrDefault(b => b.Id == command.Backend) ?? all.FirstOrDefault(b => b.Endpoint == command.Backend);
        if (backend is null)
        {
            sender.Tell(new OverrideResult(false, $"no backend '{command.Backend}' on the ring (give its id or endpoint, as `ring show` lists them)"));
            return;
        }
        var id = backend.Id;
        // A majority read first: the read result is merged into this node's copy, which the update below supersedes.
        await _replicator.Ask<IGetResponse>(Dsl.Get(ReplicatedBackendState.Key, StateReplication.FirstRead), TimeSpan.FromSeconds(5));
        var writer = _writer;
        var reply = await _replicator.Ask<IUpdateResponse>(Dsl.Update(ReplicatedBackendState.Key, ReplicatedBackendState.Empty, StateReplication.Write, current =>
        {
            current.Table.Overrides.TryGetValue(id, out var seen);
            var next = Apply(command, seen, writer) with { Version = (seen?.Version ?? default).NextEpoch() };
            return new ReplicatedBackendState(current.Table.WithOverride(id, next));
        }), TimeSpan.FromSeconds(5));
        var what = Describe(command);
        var message = reply switch
        {
            UpdateSuccess => $"{id}: {what} on every reachable node",
            UpdateTimeout => $"{id}: {what}; not every node confirmed within 2 s, gossip will carry it",
            _ => $"{id}: not applied ({reply.GetType().Name})",
        };
        sender.Tell(new OverrideResult(reply is UpdateSuccess or UpdateTimeout, message));
    }

    private static OperatorOverride Apply(OverrideCommand command, OperatorOverride? seen, string writer)
    {
        var weight = seen?.Weight;
        var drained = seen?.Drained ?? false;
        switch (command)
        {
            case DrainBackend: drained = true; break;
            case UndrainBackend: drained = false; break;
            case SetBackendWeight set: weight = set.Weight; break;
        }
        var reason = drained ? $"drained by operator ({command.Source})"
            : weight is { } w ? $"weight set to {BackendFields.Weight(w)} by operator ({command.Source})"
            : "";
        return new OperatorOverride(drained, weight, reason, default, writer);
    }

    private static string Describe(OverrideCommand command) => command switch
    {
        DrainBackend => "drained",
        UndrainBackend => "undrained",
        SetBackendWeight set => "weight set to " + set.Weight.ToString(CultureInfo.InvariantCulture),
        _ => command.GetType().Name,
    };
}
