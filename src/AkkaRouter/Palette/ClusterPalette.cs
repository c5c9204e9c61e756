using System.Text;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using AkkaRouter.Membership;

namespace AkkaRouter.Palette;

/// <summary>`cluster ...` commands, with Petabridge.Cmd's output format.</summary>
public sealed class ClusterPalette(ActorSystem system)
{
    private Cluster Cluster => Cluster.Get(system);

    public IEnumerable<PaletteCommand> Commands =>
    [
        new("cluster show", "cluster show [-r role]", "one line per member, then the count", Show),
        new("cluster status", "cluster status", "this node's line", _ => Task.FromResult(Status())),
        new("cluster leader", "cluster leader", "the leader's address", _ => Task.FromResult((Cluster.State.Leader?.ToString() ?? "no leader") + "\n")),
        new("cluster join", "cluster join -a ADDRESS", "join this node to the cluster at ADDRESS", Join),
        new("cluster leave", "cluster leave [-a ADDRESS]", "gracefully remove a member (default: this node)", Leave),
        new("cluster down", "cluster down -a ADDRESS", "mark a member down", Down),
        new("cluster down-unreachable", "cluster down-unreachable", "mark every unreachable member down", DownUnreachable),
        new("cluster tail", "cluster tail", "stream membership events until interrupted", Stream: Tail),
    ];

    private Task<string> Show(PaletteArguments args)
    {
        args.AllowOnly("r", "role");
        var role = args.Option("r", "role");
        var state = Cluster.State;
        var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
        var members = state.Members.Where(m => role is null || m.HasRole(role)).ToList();
        var text = new StringBuilder();
        foreach (var member in members)
            text.Append(Line(member, unreachable.Contains(member.UniqueAddress))).Append('\n');
        text.Append("Count: ").Append(members.Count).Append(" nodes\n");
        return Task.FromResult(text.ToString());
    }

    private string Status()
    {
        var self = Cluster.SelfMember;
        var unreachable = Cluster.State.Unreachable.Any(m => m.UniqueAddress == self.UniqueAddress);
        return Line(self, unreachable) + "\n";
    }

    /// <summary>`address | [roles] | status |`, with ` unreachable` appended, as Petabridge.Cmd prints it.</summary>
    public static string Line(Member member, bool unreachable) =>
        $"{member.Address} | [{string.Join(",", BackendAdvertisement.VisibleRoles(member.Roles).Order(StringComparer.Ordinal))}] | {member.Status.ToString().ToLowerInvariant()} |"
        + (unreachable ? " unreachable" : "");

    private Task<string> Join(PaletteArguments args)
    {
        var address = RequiredAddress(args);
        Cluster.Join(address);
        return Task.FromResult($"Joining {address}\n");
    }

    private Task<string> Leave(PaletteArguments args)
    {
        args.AllowOnly("a", "address");
        var address = args.Option("a", "address") is null ? Cluster.SelfAddress : RequiredAddress(args);
        RequireMember(address);
        Cluster.Leave(address);
        return Task.FromResult($"Leaving {address}\n");
    }

    private Task<string> Down(PaletteArguments args)
    {
        var address = RequiredAddress(args);
        RequireMember(address);
        Cluster.Down(address);
        return Task.FromResult($"Downing {address}\n");
    }

    private Task<string> DownUnreachable(PaletteArguments args)
    {
        args.AllowOnly();
        var unreachable = Cluster.State.Unreachable.Select(m => m.Address).ToList();
        foreach (var address in unreachable)
            Cluster.Down(address);
        return Task.FromResult(unreachable.Count == 0
            ? "No unreachable members\n"
            : string.Concat(unreachable.Select(a => $"Downing {a}\n")));
    }

    private static Address RequiredAddress(PaletteArguments args)
    {
        args.AllowOnly("a", "address");
        var text = args.Option("a", "address") ?? throw new PaletteUsageError("-a ADDRESS is required");
        if (!Address.TryParse(text, out var address) || address.Host is null || address.Port is null)
            throw new PaletteUsageError($"'{text}' is not an address like akka.tcp://akkarouter@host:4053");
        return address;
    }

    private void RequireMember(Address address)
    {
        if (Cluster.State.Members.All(m => m.Address != address))
            throw new PaletteUsageError($"{address} is not a member of this cluster");
    }

    private IAsyncEnumerable<string> Tail(PaletteArguments args, CancellationToken cancel)
    {
        args.AllowOnly();
        return ActorFedStream.Run(system, lines => Props.Create(() => new ClusterTailListener(lines)), [], cancel);
    }

    private sealed class ClusterTailListener : ReceiveActor
    {
        public ClusterTailListener(ChannelWriter<string> lines)
        {
            Receive<ClusterEvent.IClusterDomainEvent>(e => lines.TryWrite($"{DateTime.UtcNow:HH:mm:ss.fff} {Describe(e)}\n"));
        }

        protected override void PreStart() => Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

        private static string Describe(ClusterEvent.IClusterDomainEvent e) => e switch
        {
            ClusterEvent.IMemberEvent m => $"{m.GetType().Name} {Line(m.Member, false)}",
            ClusterEvent.UnreachableMember u => $"UnreachableMember {u.Member.Address}",
            ClusterEvent.ReachableMember r => $"ReachableMember {r.Member.Address}",
            ClusterEvent.LeaderChanged l => $"LeaderChanged {l.Leader?.ToString() ?? "none"}",
            _ => e.GetType().Name,
        };
    }
}
