using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit;
using AkkaRouter.Membership;
using AkkaRouter.Placement;
using AkkaRouter.State;
using AkkaRouter.Ring;
using AkkaRouter.Tests.Support;
using static Akka.Cluster.ClusterEvent;

namespace AkkaRouter.Tests.Membership;

public class RingActorSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.loglevel = WARNING
    """))
{
    private readonly RingView _view = new();
    private TestProbe? _probe;
    private TestProbe _acks => _probe ??= CreateTestProbe();

    private IActorRef StartRing(params Backend[] statics)
    {
        Sys.EventStream.Subscribe(TestActor, typeof(RingChanged));
        return Sys.ActorOf(RingActor.Props(_view, statics, AkkaRouter.Placement.PlacementSettings.Default with { StaticBackendsChecked = false }));
    }

    private RingChanged ExpectRing(Func<RingSnapshot, bool> condition)
    {
        var changed = FishForMessage<RingChanged>(c => condition(c.Current), TimeSpan.FromSeconds(5));
        Assert.Same(changed.Current, _view.Current);
        return changed;
    }

    private static IEnumerable<string> Ids(RingSnapshot ring) => ring.Backends.Select(b => b.Id);

    // A backend member owns keys once its sidecar has reported it healthy in the replicated state:
    // the test writes that report (as that member's incarnation) into the real replicator, then
    // announces the member.
    private void Up(IActorRef ring, Member member)
    {
        if (BackendAdvertisement.FromMember(member) is { } backend)
        {
            var report = new HealthReport(HealthStatus.Up, 1, "", 0, new StateVersion(1, 0), ReplicatedBackendState.WriterName(member.UniqueAddress));
            var replicator = DistributedData.Get(Sys).Replicator;
            replicator.Tell(Dsl.Update(ReplicatedBackendState.Key, ReplicatedBackendState.Empty, WriteLocal.Instance,
                current => new ReplicatedBackendState(current.Table.WithHealth(backend.Id, report))), _acks.Ref);
            _acks.ExpectMsg<UpdateSuccess>();
        }
        ring.Tell(new MemberUp(member));
    }

    [Fact(DisplayName = "An Up backend member enters the ring with the endpoint it advertises")]
    public void Up_backend_enters_ring()
    {
        var ring = StartRing();
        Up(ring, ClusterEvents.Backend(5001, "10.0.0.1:8081"));
        var changed = ExpectRing(r => r.OwnerCount == 1);
        Assert.Equal("10.0.0.1:8081", changed.Current.Backends[0].Endpoint);
        Assert.Equal("10.0.0.1:8081", changed.Current.Owner("/documents/abc")!.Endpoint);
        // Published for lookups: with the small-ring owner index, built by the ring actor rather than by a request.
        Assert.True(changed.Current.HasOwnerIndex);
        Assert.Equal(1.0, changed.Movement.Gained["10.0.0.1:8081"], 6);
    }

    [Fact(DisplayName = "A backend member advertising service 'images' goes on the images ring only; the default ring keeps the static backend")]
    public void Member_of_another_service_gets_its_own_ring()
    {
        var ring = StartRing(new Backend("10.0.0.9:8081", "10.0.0.9:8081"));
        ExpectRing(r => r.OwnerCount == 1);
        Up(ring, ClusterEvents.Member(5001, MemberStatus.Up, new Backend("img-1", "10.0.0.1:8081", 1.0, "z", service: "images")));
        var changed = FishForMessage<RingChanged>(c => c.Service == "images" && c.Current.OwnerCount == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(("img-1", "images"), (changed.Current.Backends[0].Id, changed.Current.Backends[0].Service));
        Assert.Same(changed.Current, _view.Find("images")!.Current);
        Assert.Equal(["10.0.0.9:8081"], Ids(_view.Current));
        Assert.Equal(["default", "images"], _view.Services.Select(s => s.Name));
        Assert.NotEqual(_view.Current.Checksum, changed.Current.Checksum);
    }

    [Fact(DisplayName = "Members without the backend role, or backends not yet Up, never enter the ring")]
    public void Non_backends_and_joining_members_stay_out()
    {
        var ring = StartRing();
        Up(ring, ClusterEvents.Member(5000, MemberStatus.Up, null, 1, "router"));
        ring.Tell(new MemberJoined(ClusterEvents.Backend(5001, "10.0.0.1:8081", MemberStatus.Joining)));
        Up(ring, ClusterEvents.Backend(5002, "10.0.0.2:8081"));
        var changed = ExpectRing(r => r.OwnerCount > 0);
        Assert.Equal(["10.0.0.2:8081"], Ids(changed.Current));
    }

    [Fact(DisplayName = "A backend leaves the ring as soon as it is unreachable and returns when reachable again")]
    public void Unreachable_backend_leaves_and_returns()
    {
        var ring = StartRing();
        var a = ClusterEvents.Backend(5001, "10.0.0.1:8081");
        var b = ClusterEvents.Backend(5002, "10.0.0.2:8081");
        Up(ring, a);
        Up(ring, b);
        var both = ExpectRing(r => r.OwnerCount == 2).Current;

        ring.Tell(new UnreachableMember(b));
        var without = ExpectRing(r => r.OwnerCount == 1);
        Assert.Equal(["10.0.0.1:8081"], Ids(without.Current));
        Assert.True(without.Movement.MovedFraction > 0.3 && without.Movement.MovedFraction < 0.7);

        ring.Tell(new ReachableMember(b));
        var back = ExpectRing(r => r.OwnerCount == 2).Current;
        Assert.Equal(both.Checksum, back.Checksum);
    }

    [Fact(DisplayName = "A leaving backend is dropped at Leaving, before it is removed")]
    public void Leaving_backend_is_dropped_immediately()
    {
        var ring = StartRing();
        var a = ClusterEvents.Backend(5001, "10.0.0.1:8081");
        var b = ClusterEvents.Backend(5002, "10.0.0.2:8081");
        Up(ring, a);
        Up(ring, b);
        ExpectRing(r => r.OwnerCount == 2);
        ring.Tell(new MemberLeft(b.Copy(MemberStatus.Leaving)));
        Assert.Equal(["10.0.0.1:8081"], Ids(ExpectRing(r => r.OwnerCount == 1).Current));
    }

    [Fact(DisplayName = "Static backends are on the ring from the start; a member with the same id replaces the static entry")]
    public void Static_backends_and_member_override()
    {
        var ring = StartRing(new Backend("cache-1", "10.0.0.9:8081"), new Backend("cache-2", "10.0.0.10:8081"));
        Assert.Equal(["cache-1", "cache-2"], Ids(ExpectRing(r => r.OwnerCount == 2).Current));
        Up(ring, ClusterEvents.Backend(5001, "10.0.0.1:8081", id: "cache-1"));
        var changed = ExpectRing(r => r.Backends.Any(b => b.Endpoint == "10.0.0.1:8081"));
        Assert.Equal(["cache-1", "cache-2"], Ids(changed.Current));
    }

    [Fact(DisplayName = "A restarted backend (new incarnation, same id) gets exactly its previous keys back")]
    public void Restarted_backend_gets_its_keys_back()
    {
        var ring = StartRing();
        var members = Enumerable.Range(1, 4).Select(i => ClusterEvents.Backend(5000 + i, $"10.0.0.{i}:8081", uid: 100 + i)).ToArray();
        foreach (var m in members)
            Up(ring, m);
        var before = ExpectRing(r => r.OwnerCount == 4).Current;

        ring.Tell(new UnreachableMember(members[2]));
        ExpectRing(r => r.OwnerCount == 3);
        ring.Tell(new MemberRemoved(members[2].Copy(MemberStatus.Removed), MemberStatus.Down));
        Up(ring, ClusterEvents.Backend(5003, "10.0.0.3:8081", uid: 999));
        var after = ExpectRing(r => r.OwnerCount == 4).Current;

        Assert.Equal(before.Checksum, after.Checksum);
        for (var k = 0; k < 2000; k++)
            Assert.Equal(before.Owner($"/key/{k}")!.Id, after.Owner($"/key/{k}")!.Id);
    }

    [Fact(DisplayName = "The same membership gives the same ring whatever the order the events arrived in")]
    public void Ring_is_independent_of_event_order()
    {
        var members = Enumerable.Range(1, 6).Select(i => ClusterEvents.Backend(5000 + i, $"10.0.0.{i}:8081", weight: i % 3 + 1)).ToArray();
        var checksums = new HashSet<ulong>();
        var random = new Random(7);
        for (var trial = 0; trial < 4; trial++)
        {
            var view = new RingView();
            var actor = Sys.ActorOf(RingActor.Props(view, [], AkkaRouter.Placement.PlacementSettings.Default));
            foreach (var m in members.OrderBy(_ => random.Next()))
                Up(actor, m);
            actor.Tell(new UnreachableMember(members[2]));
            // The final set, not just its size: after five of the six Ups the ring also holds five backends, and a
            // busy machine can show that state to the poll before the sixth Up and the unreachable event are applied.
            AwaitCondition(() => view.Current is { Count: 5, OwnerCount: 5 } current
                && current.Backends.All(b => b.Endpoint != "10.0.0.3:8081"), TimeSpan.FromSeconds(5));
            checksums.Add(view.Current.Checksum);
            Sys.Stop(actor);
        }
        Assert.Single(checksums);
    }

    [Fact(DisplayName = "A node that cannot see a majority of the members publishes an empty ring until the majority is back")]
    public void Minority_side_refuses_to_answer()
    {
        var ring = StartRing();
        var routers = new[] { ClusterEvents.Member(5000, MemberStatus.Up, null, 1, "router"), ClusterEvents.Member(5009, MemberStatus.Up, null, 1, "router") };
        var backends = Enumerable.Range(1, 3).Select(i => ClusterEvents.Backend(5000 + i, $"10.0.0.{i}:8081")).ToArray();
        foreach (var m in routers.Concat(backends))
            Up(ring, m);
        ExpectRing(r => r.OwnerCount == 3);

        // One unreachable of five: still the majority side, the backend just leaves the ring.
        ring.Tell(new UnreachableMember(backends[0]));
        Assert.Equal(["10.0.0.2:8081", "10.0.0.3:8081"], Ids(ExpectRing(r => r.OwnerCount == 2).Current));

        // Three of five unreachable: this node is in the minority and stops answering.
        ring.Tell(new UnreachableMember(backends[1]));
        ring.Tell(new UnreachableMember(routers[1]));
        var refused = ExpectRing(r => r.IsEmpty);
        Assert.Contains("majority of the cluster is unreachable", refused.Reason);

        ring.Tell(new ReachableMember(routers[1]));
        Assert.Equal(["10.0.0.3:8081"], Ids(ExpectRing(r => r.OwnerCount == 1).Current));
    }
}
