using Akka.Actor;
using Akka.Configuration;
using AkkaRouter.Placement;
using AkkaRouter.State;

namespace AkkaRouter.Tests.State;

/// <summary>
/// The replicated backend state travels whole in one remote message: the serializer says so before it stops fitting
/// and when it no longer does, naming the setting to raise.
/// </summary>
public class BackendStateSizeSpecs() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString($"""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp {"{"} hostname = 127.0.0.1, port = 0, maximum-frame-size = {Limit}b {"}"}
    akka.loglevel = WARNING
    """))
{
    private const int Limit = 40_000; // Akka.Remote refuses less than 32,000

    private static BackendStateTable Table(int backends)
    {
        var table = BackendStateTable.Empty;
        for (var i = 0; i < backends; i++)
        {
            var endpoint = $"10.0.{i / 250}.{i % 250}:8080";
            table = table.WithHealth(endpoint, new HealthReport(HealthStatus.Up, 1.0, "", 1_764_950_000_000 + i,
                new StateVersion(3, 40 + i % 7), $"akka.tcp://akkarouter@10.1.{i / 250}.{i % 250}:4053#{1_000_000 + i}"));
        }
        return table;
    }

    // The smallest fleet whose encoded table is larger than `bytes`.
    private static int BackendsOver(int bytes)
    {
        var n = 1;
        while (BackendStateCodec.Write(Table(n)).Length <= bytes)
            n++;
        return n;
    }

    [Fact(DisplayName = "The replicated state warns past 80% of maximum-frame-size and errs once it no longer fits, each time it crosses the line, naming the setting")]
    public void Size_guard()
    {
        var serializer = new BackendStateSerializer((ExtendedActorSystem)Sys);
        var warnAt = BackendsOver((int)(Limit * 0.8));
        var errAt = BackendsOver(Limit - BackendStateSerializer.EnvelopeAllowance);
        Assert.True(errAt > warnAt + 1, $"a warning band exists: {warnAt}..{errAt}");

        // Below 80%: nothing.
        EventFilter.Warning(contains: "Replicated backend state").Expect(0, () => serializer.ToBinary(new ReplicatedBackendState(Table(warnAt - 1))));
        EventFilter.Error(contains: "Replicated backend state").Expect(0, () => serializer.ToBinary(new ReplicatedBackendState(Table(warnAt - 1))));

        // Past 80%: one warning, not repeated while the size stays there.
        EventFilter.Warning(contains: $"of {BackendStateSerializer.FrameSizePath} ({Limit} bytes)").ExpectOne(() =>
        {
            serializer.ToBinary(new ReplicatedBackendState(Table(warnAt)));
            serializer.ToBinary(new ReplicatedBackendState(Table(warnAt + 1)));
        });

        // Over the limit: one error naming the setting.
        EventFilter.Error(contains: $"no longer fits one remote message ({BackendStateSerializer.FrameSizePath} = {Limit} bytes)").ExpectOne(() =>
        {
            serializer.ToBinary(new ReplicatedBackendState(Table(errAt)));
            serializer.ToBinary(new ReplicatedBackendState(Table(errAt + 5)));
        });

        // Back under, then over again: said again.
        EventFilter.Error(contains: "no longer fits").Expect(0, () => serializer.ToBinary(new ReplicatedBackendState(Table(10))));
        EventFilter.Error(contains: "no longer fits").ExpectOne(() => serializer.ToBinary(new ReplicatedBackendState(Table(errAt))));

        // The bytes are the codec's, whatever the size.
        var big = Table(errAt);
        Assert.Equal(BackendStateCodec.Write(big), serializer.ToBinary(new ReplicatedBackendState(big)));
    }
}
