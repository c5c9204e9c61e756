using AkkaRouter.Ring;

namespace AkkaRouter.Placement.Tests;

public class BackendPlacementSpecs
{
    private static readonly StateVersion V1 = new(1, 0);

    private static BackendIdentity Identity(string id, double weight = 1.0, string? writer = null, bool checkedHealth = true) =>
        new(id, $"{id}.svc:6379", "zone-a", weight, writer, checkedHealth);

    private static HealthReport Report(HealthStatus status, double factor = 1.0, string reason = "", long since = 0, string writer = "w") =>
        new(status, factor, reason, since, V1, writer);

    private static Backend Single(IReadOnlyList<Backend> placed, string id) => placed.Single(b => b.Id == id);

    [Fact(DisplayName = "Health up, warming and unhealthy map to ring states with weight × factor (a state-aware score lowers an up backend's), weight × ramp and 0")]
    public void Health_maps_to_states()
    {
        BackendIdentity[] identities = [Identity("up", 2.0), Identity("warm", 2.5), Identity("down", 3.0)];
        var table = BackendStateTable.Empty
            .WithHealth("up", Report(HealthStatus.Up, 0.3))
            .WithHealth("warm", Report(HealthStatus.Warming, 0.36, "warming 2/10"))
            .WithHealth("down", Report(HealthStatus.Unhealthy, 0, "connect refused"));
        var placed = BackendPlacement.Place(identities, table, new PlacementSettings(1.0, true));

        Assert.Equal(["down", "up", "warm"], placed.Select(b => b.Id));
        var up = Single(placed, "up");
        Assert.Equal((BackendState.Up, 0.6, 2.0, ""), (up.State, up.Weight, up.ConfiguredWeight, up.Reason));
        Assert.Equal("up.svc:6379", up.Endpoint);
        Assert.Equal("zone-a", up.Zone);
        var warm = Single(placed, "warm");
        Assert.Equal((BackendState.Warming, 0.9, 2.5, "warming 2/10"), (warm.State, warm.Weight, warm.ConfiguredWeight, warm.Reason));
        var down = Single(placed, "down");
        Assert.Equal((BackendState.Unhealthy, 0.0, 3.0, "connect refused"), (down.State, down.Weight, down.ConfiguredWeight, down.Reason));
        Assert.False(down.OwnsKeys);
    }

    [Fact(DisplayName = "Warming weight is weight × factor rounded to 6 decimals, for random weights and ramp factors")]
    public void Warming_weight_is_product()
    {
        var random = new Random(5);
        for (int i = 0; i < 500; i++)
        {
            double weight = Math.Round(random.NextDouble() * 100, 3);
            var ramp = new SlowStartRamp(TimeSpan.FromSeconds(1 + random.Next(60)), Math.Round(random.NextDouble(), 3));
            double factor = ramp.FactorAt(random.Next(ramp.Steps + 1));
            var placed = BackendPlacement.Place(
                [Identity("x", weight)],
                BackendStateTable.Empty.WithHealth("x", Report(HealthStatus.Warming, factor, "warming")),
                PlacementSettings.Default);
            Assert.Equal(BackendState.Warming, placed[0].State);
            Assert.Equal(weight, placed[0].ConfiguredWeight);
            Assert.Equal(weight * factor, placed[0].Weight, 6);
            Assert.InRange(placed[0].Weight, 0, weight);
        }
    }

    [Fact(DisplayName = "Without a verdict (no entry, or another incarnation's entry) a checked backend is unhealthy, awaiting, weight 0")]
    public void Awaiting_verdict()
    {
        BackendIdentity[] identities =
        [
            Identity("no-entry"),
            Identity("old-incarnation", writer: "member#2"),
            Identity("this-incarnation", writer: "member#2"),
            Identity("singleton-checked", writer: null),
        ];
        var table = BackendStateTable.Empty
            .WithHealth("old-incarnation", Report(HealthStatus.Up, writer: "member#1"))
            .WithHealth("this-incarnation", Report(HealthStatus.Up, writer: "member#2"))
            .WithHealth("singleton-checked", Report(HealthStatus.Up, writer: "any-node"));
        var placed = BackendPlacement.Place(identities, table, new PlacementSettings(1.0, true));

        foreach (string id in new[] { "no-entry", "old-incarnation" })
        {
            var b = Single(placed, id);
            Assert.Equal(BackendState.Unhealthy, b.State);
            Assert.Equal(BackendPlacement.AwaitingVerdict, b.Reason);
            Assert.Equal(0.0, b.Weight);
            Assert.Equal(1.0, b.ConfiguredWeight);
        }

        Assert.Equal((BackendState.Up, 1.0), (Single(placed, "this-incarnation").State, Single(placed, "this-incarnation").Weight));
        Assert.Equal((BackendState.Up, 1.0), (Single(placed, "singleton-checked").State, Single(placed, "singleton-checked").Weight));
    }

    [Fact(DisplayName = "A backend nothing checks is up without an entry, at its configured weight")]
    public void Unchecked_is_up()
    {
        var placed = BackendPlacement.Place([Identity("static", 1.5, checkedHealth: false)], BackendStateTable.Empty, PlacementSettings.Default);
        var b = Assert.Single(placed);
        Assert.Equal((BackendState.Up, 1.5, 1.5, ""), (b.State, b.Weight, b.ConfiguredWeight, b.Reason));
    }

    [Fact(DisplayName = "Operator drain: draining with its reason, weight 0, whatever the health (even awaiting a verdict)")]
    public void Drain_override()
    {
        BackendIdentity[] identities = [Identity("healthy", 2), Identity("awaiting", 2), Identity("unchecked", 2, checkedHealth: false), Identity("undrained", 2)];
        var drain = new OperatorOverride(true, null, "drained by ops via cmd", new StateVersion(1, 0), "router-1");
        var table = BackendStateTable.Empty
            .WithHealth("healthy", Report(HealthStatus.Up))
            .WithHealth("undrained", Report(HealthStatus.Up))
            .WithOverride("healthy", drain)
            .WithOverride("awaiting", drain)
            .WithOverride("unchecked", drain)
            .WithOverride("undrained", drain)
            .WithOverride("undrained", new OperatorOverride(false, null, "undrained", new StateVersion(2, 0), "router-2"));
        var placed = BackendPlacement.Place(identities, table, PlacementSettings.Default);

        foreach (string id in new[] { "healthy", "awaiting", "unchecked" })
        {
            var b = Single(placed, id);
            Assert.Equal((BackendState.Draining, 0.0, 2.0, "drained by ops via cmd"), (b.State, b.Weight, b.ConfiguredWeight, b.Reason));
        }

        var back = Single(placed, "undrained");
        Assert.Equal((BackendState.Up, 2.0, ""), (back.State, back.Weight, back.Reason));
    }

    [Fact(DisplayName = "A weight override replaces the configured weight (also under warming); weight 0 means draining")]
    public void Weight_override()
    {
        BackendIdentity[] identities =
        [
            Identity("heavier", 1), Identity("warming", 1), Identity("zeroed", 1), Identity("zero-config", 0, checkedHealth: false), Identity("zero-up", 0),
        ];
        var table = BackendStateTable.Empty
            .WithHealth("heavier", Report(HealthStatus.Up))
            .WithHealth("warming", Report(HealthStatus.Warming, 0.5, "warming 5/10"))
            .WithHealth("zeroed", Report(HealthStatus.Up))
            .WithHealth("zero-up", Report(HealthStatus.Up))
            .WithOverride("heavier", new OperatorOverride(false, 3.5, "weight by api", V1, "r"))
            .WithOverride("warming", new OperatorOverride(false, 4, "weight by cmd", V1, "r"))
            .WithOverride("zeroed", new OperatorOverride(false, 0, "weight 0 by cmd", V1, "r"));
        var placed = BackendPlacement.Place(identities, table, PlacementSettings.Default);

        var heavier = Single(placed, "heavier");
        Assert.Equal((BackendState.Up, 3.5, 3.5), (heavier.State, heavier.Weight, heavier.ConfiguredWeight));
        var warming = Single(placed, "warming");
        Assert.Equal((BackendState.Warming, 2.0, 4.0), (warming.State, warming.Weight, warming.ConfiguredWeight));
        var zeroed = Single(placed, "zeroed");
        Assert.Equal((BackendState.Draining, 0.0, 0.0, "weight 0 by cmd"), (zeroed.State, zeroed.Weight, zeroed.ConfiguredWeight, zeroed.Reason));
        foreach (string id in new[] { "zero-config", "zero-up" })
        {
            var b = Single(placed, id);
            Assert.Equal(BackendState.Draining, b.State);
            Assert.Equal(0.0, b.Weight);
            Assert.NotEmpty(b.Reason);
        }

        Assert.Equal(2, RingSnapshot.Build(placed).OwnerCount);
    }

    private static (BackendIdentity[] Identities, BackendStateTable Table) TenWithSevenUnhealthy()
    {
        var identities = Enumerable.Range(0, 10).Select(i => Identity($"b{i}")).ToArray();
        var table = BackendStateTable.Empty;
        // b0..b6 failed, at times 1000 × (distinct, shuffled); b7..b9 are up.
        long[] failedAt = [5000, 1000, 7000, 3000, 2000, 6000, 4000];
        for (int i = 0; i < 10; i++)
        {
            table = table.WithHealth($"b{i}", i < 7
                ? Report(HealthStatus.Unhealthy, 0, $"refused #{i}", failedAt[i])
                : Report(HealthStatus.Up, 1, "", 100));
        }

        return (identities, table);
    }

    [Fact(DisplayName = "Max-unhealthy guard: 7 of 10 unhealthy at 0.5 leaves exactly 5 off and keeps the 2 most recently failed on, up, with a reason")]
    public void Unhealthy_guard_keeps_most_recent()
    {
        var (identities, table) = TenWithSevenUnhealthy();
        var placed = BackendPlacement.Place(identities, table, new PlacementSettings(0.5, true));

        var off = placed.Where(b => b.State == BackendState.Unhealthy).Select(b => b.Id).ToArray();
        Assert.Equal(["b0", "b1", "b3", "b4", "b6"], off);
        // b2 (7000) and b5 (6000) failed last: they stay on at full weight, with a reason saying why.
        foreach (string id in new[] { "b2", "b5" })
        {
            var b = Single(placed, id);
            Assert.Equal(BackendState.Up, b.State);
            Assert.Equal(1.0, b.Weight);
            Assert.True(b.OwnsKeys);
            Assert.Contains("refused", b.Reason, StringComparison.Ordinal);
            Assert.Contains("0.5", b.Reason, StringComparison.Ordinal);
        }

        Assert.All(placed.Where(b => b.Id is "b7" or "b8" or "b9"), b => Assert.Equal((BackendState.Up, ""), (b.State, b.Reason)));
        Assert.Equal(5, RingSnapshot.Build(placed).OwnerCount);

        // At a limit of 1.0 health may take all 7 off; at 0.0 it takes none off.
        Assert.Equal(7, BackendPlacement.Place(identities, table, new PlacementSettings(1.0, true)).Count(b => b.State == BackendState.Unhealthy));
        var none = BackendPlacement.Place(identities, table, new PlacementSettings(0.0, true));
        Assert.All(none, b => Assert.Equal(BackendState.Up, b.State));
    }

    [Fact(DisplayName = "Max-unhealthy guard: ties on failure time are broken by id, the same on every call")]
    public void Unhealthy_guard_ties()
    {
        var identities = Enumerable.Range(0, 4).Select(i => Identity($"b{i}")).ToArray();
        var table = identities.Aggregate(BackendStateTable.Empty, (t, i) => t.WithHealth(i.Id, Report(HealthStatus.Unhealthy, 0, "x", 500)));
        var placed = BackendPlacement.Place(identities.Reverse(), table, new PlacementSettings(0.5, true));
        Assert.Equal(["b0", "b1"], placed.Where(b => b.State == BackendState.Up).Select(b => b.Id));
        Assert.Equal(["b2", "b3"], placed.Where(b => b.State == BackendState.Unhealthy).Select(b => b.Id));
    }

    [Fact(DisplayName = "Max-unhealthy guard: the limit is a fraction of the backends not drained (awaiting ones included); only verdicts count as unhealthy")]
    public void Unhealthy_guard_counts_awaiting_but_never_keeps_them_on()
    {
        // 10 identities: 2 drained, 2 awaiting a verdict, 6 with verdicts of which 4 unhealthy. Limit floor(8 × 0.5) = 4
        // off, so all 4 stay off. Leaving the awaiting ones out of the total would keep 1 on (limit 3); counting
        // drained ones in would change nothing here, so a second case below checks that; counting awaiting ones as
        // unhealthy would keep 2 on.
        var identities = Enumerable.Range(0, 10).Select(i => Identity($"b{i}", writer: i == 9 ? "member#2" : null)).ToArray();
        var drain = new OperatorOverride(true, null, "drained", V1, "r");
        var table = BackendStateTable.Empty
            .WithOverride("b0", drain).WithHealth("b0", Report(HealthStatus.Unhealthy, 0, "x", 9000))
            .WithOverride("b1", drain).WithHealth("b1", Report(HealthStatus.Up))
            // b8: no entry; b9: an entry from an older incarnation only.
            .WithHealth("b9", Report(HealthStatus.Unhealthy, 0, "x", 9999, writer: "member#1"))
            .WithHealth("b2", Report(HealthStatus.Unhealthy, 0, "x", 100))
            .WithHealth("b3", Report(HealthStatus.Unhealthy, 0, "x", 400))
            .WithHealth("b4", Report(HealthStatus.Unhealthy, 0, "x", 300))
            .WithHealth("b5", Report(HealthStatus.Unhealthy, 0, "x", 200))
            .WithHealth("b6", Report(HealthStatus.Up))
            .WithHealth("b7", Report(HealthStatus.Warming, 0.5, "warming"));
        var placed = BackendPlacement.Place(identities, table, new PlacementSettings(0.5, true));

        Assert.Equal(["b0", "b1"], placed.Where(b => b.State == BackendState.Draining).Select(b => b.Id));
        Assert.Equal(["b8", "b9"], placed.Where(b => b.Reason == BackendPlacement.AwaitingVerdict).Select(b => b.Id));
        Assert.All(placed.Where(b => b.Id is "b8" or "b9"), b => Assert.Equal((BackendState.Unhealthy, 0.0), (b.State, b.Weight)));
        Assert.Equal(["b2", "b3", "b4", "b5"], placed.Where(b => b.State == BackendState.Unhealthy && b.Reason != BackendPlacement.AwaitingVerdict).Select(b => b.Id));
        Assert.DoesNotContain(placed, b => b.State == BackendState.Up && b.Reason.Length > 0);
        Assert.Equal((BackendState.Warming, 0.5), (Single(placed, "b7").State, Single(placed, "b7").Weight));

        // A fifth failure (b6) exceeds the limit of 4: the most recent failure stays on. Were drained backends
        // counted (limit 5), none would.
        var fifth = BackendPlacement.Place(identities, table.WithHealth("b6", Report(HealthStatus.Unhealthy, 0, "x", 500)), new PlacementSettings(0.5, true));
        var kept = Single(fifth, "b6");
        Assert.Equal(BackendState.Up, kept.State);
        Assert.NotEmpty(kept.Reason);
        Assert.Equal(["b2", "b3", "b4", "b5"], fifth.Where(b => b.State == BackendState.Unhealthy && b.Reason != BackendPlacement.AwaitingVerdict).Select(b => b.Id));
    }

    [Fact(DisplayName = "Max-unhealthy guard at a cold start: the first backend to fail is not kept on while the others await their first verdict")]
    public void Unhealthy_guard_at_cold_start()
    {
        var identities = Enumerable.Range(0, 3).Select(i => Identity($"b{i}")).ToArray();
        var table = BackendStateTable.Empty.WithHealth("b0", Report(HealthStatus.Unhealthy, 0, "connection refused", 100));
        var placed = BackendPlacement.Place(identities, table, new PlacementSettings(0.5, true));
        Assert.All(placed, b => Assert.False(b.OwnsKeys));
        Assert.Equal("connection refused", Single(placed, "b0").Reason);
    }

    private static (BackendIdentity[] Identities, BackendStateTable Table) RandomInputs(Random random)
    {
        int count = 1 + random.Next(16);
        var identities = new BackendIdentity[count];
        var table = BackendStateTable.Empty;
        for (int i = 0; i < count; i++)
        {
            string id = $"10.1.{i}.{random.Next(256)}:6379";
            string? writer = random.Next(3) == 0 ? $"member#{random.Next(2)}" : null;
            identities[i] = new BackendIdentity(id, id, $"zone-{random.Next(3)}", random.Next(5) == 0 ? 0 : Math.Round(0.5 + random.NextDouble() * 3, 2), writer, random.Next(6) != 0);
            if (random.Next(5) != 0)
            {
                var status = (HealthStatus)random.Next(3);
                table = table.WithHealth(id, new HealthReport(
                    status,
                    status == HealthStatus.Warming ? Math.Round(random.NextDouble(), 3) : status == HealthStatus.Up ? 1 : 0,
                    status == HealthStatus.Up ? "" : $"reason {i}",
                    random.Next(5) * 1000L,
                    new StateVersion(1, random.Next(3)),
                    random.Next(3) == 0 ? "member#1" : $"member#{random.Next(2)}"));
            }

            if (random.Next(4) == 0)
                table = table.WithOverride(id, new OperatorOverride(random.Next(2) == 0, random.Next(2) == 0 ? null : random.Next(4), "by ops", V1, "r"));
        }

        return (identities, table);
    }

    [Fact(DisplayName = "Over random inputs: the guard's limit holds, kept-on backends failed no earlier than those left off, and input order does not matter")]
    public void Random_inputs_properties()
    {
        for (int seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            var (identities, table) = RandomInputs(random);
            var settings = new PlacementSettings(random.Next(5) * 0.25, random.Next(2) == 0);
            var placed = BackendPlacement.Place(identities, table, settings);

            Assert.Equal(identities.Select(i => i.Id).Order(StringComparer.Ordinal), placed.Select(b => b.Id));
            for (int round = 0; round < 5; round++)
            {
                var again = BackendPlacement.Place(StateGen.Shuffled(random, identities), table, settings);
                Assert.Equal(placed, again);
            }

            Assert.Equal(placed, BackendPlacement.Place(identities, table, settings));

            var awaiting = placed.Where(b => b.Reason == BackendPlacement.AwaitingVerdict).ToList();
            var counted = placed.Where(b => b.State != BackendState.Draining).ToList();
            var off = counted.Where(b => b.State == BackendState.Unhealthy && b.Reason != BackendPlacement.AwaitingVerdict).ToList();
            var keptOn = counted.Where(b => b.State == BackendState.Up && b.Reason.Length > 0).ToList();
            int limit = (int)Math.Floor(counted.Count * settings.MaxUnhealthyFraction + 1e-9);
            Assert.True(off.Count <= limit, $"seed {seed}: {off.Count} unhealthy off of {counted.Count} counted, limit {limit}");
            if (keptOn.Count > 0)
            {
                Assert.Equal(limit, off.Count);
                long SinceOf(Backend b) => table.Health[b.Id].SinceUnixMs;
                Assert.True(keptOn.Min(SinceOf) >= off.Select(SinceOf).DefaultIfEmpty(long.MinValue).Max(), $"seed {seed}: kept on a backend that failed earlier than one left off");
            }

            foreach (var b in placed)
            {
                switch (b.State)
                {
                    case BackendState.Up:
                        Assert.Equal(b.ConfiguredWeight, b.Weight);
                        Assert.True(b.Weight > 0, $"seed {seed}: {b} is up at weight 0");
                        break;
                    case BackendState.Warming:
                        Assert.InRange(b.Weight, 0, b.ConfiguredWeight);
                        break;
                    default:
                        Assert.Equal(0.0, b.Weight);
                        Assert.False(b.OwnsKeys);
                        break;
                }
            }

            Assert.All(awaiting, b => Assert.Equal((BackendState.Unhealthy, 0.0), (b.State, b.Weight)));
            _ = RingSnapshot.Build(placed, configuration: settings.Fingerprint);
        }
    }

    [Fact(DisplayName = "The ring checksum is equal for equal inputs and differs when a state or the placement settings differ")]
    public void Checksum_covers_inputs()
    {
        var (identities, table) = TenWithSevenUnhealthy();
        var settings = new PlacementSettings(0.5, true);
        ulong Checksum(IEnumerable<BackendIdentity> ids, BackendStateTable t, PlacementSettings s) =>
            RingSnapshot.Build(BackendPlacement.Place(ids, t, s), configuration: s.Fingerprint).Checksum;

        ulong baseline = Checksum(identities, table, settings);
        var random = new Random(3);
        // Equal inputs: another order of identities, a table that received the same writes in another order, equal settings.
        var sameTable = StateGen.Shuffled(random, table.Health).Aggregate(BackendStateTable.Empty, (t, e) => t.WithHealth(e.Key, e.Value));
        Assert.Equal(baseline, Checksum(StateGen.Shuffled(random, identities), sameTable, new PlacementSettings(0.5, true)));
        Assert.Equal(baseline, Checksum(identities, table, settings));

        // A state change between two states that both own no keys (unhealthy -> draining) still changes the checksum.
        var drained = table.WithOverride("b1", new OperatorOverride(true, null, "drained", V1, "r"));
        Assert.Equal(BackendState.Draining, Single(BackendPlacement.Place(identities, drained, settings), "b1").State);
        Assert.NotEqual(baseline, Checksum(identities, drained, settings));

        // Up -> warming at factor 1.0: same weights, different state.
        var warming = table.WithHealth("b8", Report(HealthStatus.Warming, 1.0, "warming") with { Version = new StateVersion(2, 0) });
        var warmed = Single(BackendPlacement.Place(identities, warming, settings), "b8");
        Assert.Equal((BackendState.Warming, 1.0), (warmed.State, warmed.Weight));
        Assert.NotEqual(baseline, Checksum(identities, warming, settings));

        // The reason alone never changes an answer, so it is not in the checksum.
        var reworded = table.WithHealth("b1", table.Health["b1"] with { Reason = "timeout", Version = new StateVersion(2, 0) });
        Assert.Equal(baseline, Checksum(identities, reworded, settings));

        // Settings: a different fraction (which here also changes which backends are kept on), and one that changes no
        // backend at all, still give a different checksum; so does the static-backends flag.
        Assert.NotEqual(baseline, Checksum(identities, table, new PlacementSettings(0.6, true)));
        var healthy = Enumerable.Range(0, 10).Aggregate(BackendStateTable.Empty, (t, i) => t.WithHealth($"b{i}", Report(HealthStatus.Up)));
        Assert.Equal(
            BackendPlacement.Place(identities, healthy, new PlacementSettings(0.5, true)),
            BackendPlacement.Place(identities, healthy, new PlacementSettings(0.3, true)));
        ulong healthyBaseline = Checksum(identities, healthy, new PlacementSettings(0.5, true));
        Assert.NotEqual(healthyBaseline, Checksum(identities, healthy, new PlacementSettings(0.3, true)));
        Assert.NotEqual(healthyBaseline, Checksum(identities, healthy, new PlacementSettings(0.5, false)));
        Assert.Equal(new PlacementSettings(0.5, true).Fingerprint, PlacementSettings.Default.Fingerprint);
        Assert.Equal(new PlacementSettings(0.0, true).Fingerprint, new PlacementSettings(-0.0, true).Fingerprint);
    }
}
