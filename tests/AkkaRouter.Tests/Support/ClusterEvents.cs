using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.Util;
using AkkaRouter.Membership;
using AkkaRouter.Ring;

namespace AkkaRouter.Tests.Support;

/// <summary>Builds cluster members and events as Akka.Cluster would deliver them, for actor specs.</summary>
public static class ClusterEvents
{
    // Member's factory is internal to Akka.Cluster; specs need real Member instances to feed the
    // ring actor the exact event types it receives in production.
    private static readonly MethodInfo CreateMember = typeof(Member).GetMethod("Create",
        BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public,
        [typeof(UniqueAddress), typeof(int), typeof(MemberStatus), typeof(ImmutableHashSet<string>), typeof(AppVersion)])
        ?? throw new InvalidOperationException("Akka.Cluster.Member.Create(UniqueAddress, int, MemberStatus, roles, AppVersion) not found");

    public static Member Member(int port, MemberStatus status, Backend? advertised, long uid = 1, params string[] roles)
    {
        var allRoles = roles.Concat(advertised is null ? [] : BackendAdvertisement.ToRoles(advertised).Append("backend"));
        var address = new UniqueAddress(new Address("akka.tcp", "akkarouter", "127.0.0.1", port), (int)uid);
        return (Member)CreateMember.Invoke(null, [address, 1, status, allRoles.ToImmutableHashSet(), AppVersion.Zero])!;
    }

    public static Member Backend(int port, string endpoint, MemberStatus status = MemberStatus.Up, long uid = 1, string? id = null, double weight = 1.0) =>
        Member(port, status, new Backend(id ?? endpoint, endpoint, weight, "z"), uid);
}
