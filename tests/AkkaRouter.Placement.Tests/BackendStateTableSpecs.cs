namespace AkkaRouter.Placement.Tests;

public class BackendStateTableSpecs
{
    private const int Cases = 400;

    private static void AssertTablesEqual(BackendStateTable expected, BackendStateTable actual, string context)
    {
        Assert.True(
            expected.Equals(actual) && actual.Equals(expected),
            $"{context}\nexpected: {StateGen.Describe(expected)}\nactual:   {StateGen.Describe(actual)}");
    }

    [Fact(DisplayName = "Table equality compares contents, so the merge properties below can fail")]
    public void Equality_is_by_content()
    {
        var report = new HealthReport(HealthStatus.Up, 1.0, "", 5, new StateVersion(1, 0), "w");
        var a = BackendStateTable.Empty.WithHealth("x", report);
        var b = BackendStateTable.Empty.WithHealth("x", report with { });
        AssertTablesEqual(a, b, "same content");
        Assert.False(a.Equals(BackendStateTable.Empty.WithHealth("x", report with { SinceUnixMs = 6 })));
        Assert.False(a.Equals(BackendStateTable.Empty.WithHealth("y", report)));
        Assert.False(a.Equals(a.WithOverride("x", new OperatorOverride(true, null, "", new StateVersion(1, 0), "w"))));
        Assert.False(a.Equals(BackendStateTable.Empty));
    }

    [Fact(DisplayName = "Merge is commutative over random tables")]
    public void Merge_commutative()
    {
        for (int seed = 0; seed < Cases; seed++)
        {
            var random = new Random(seed);
            var a = StateGen.Table(random);
            var b = StateGen.Table(random);
            AssertTablesEqual(a.Merge(b), b.Merge(a), $"seed {seed}: a ∪ b vs b ∪ a");
        }
    }

    [Fact(DisplayName = "Merge is associative over random tables")]
    public void Merge_associative()
    {
        for (int seed = 0; seed < Cases; seed++)
        {
            var random = new Random(1000 + seed);
            var a = StateGen.Table(random);
            var b = StateGen.Table(random);
            var c = StateGen.Table(random);
            AssertTablesEqual(a.Merge(b).Merge(c), a.Merge(b.Merge(c)), $"seed {seed}: (a ∪ b) ∪ c vs a ∪ (b ∪ c)");
        }
    }

    [Fact(DisplayName = "Merge is idempotent, has Empty as identity, and leaves its inputs unchanged")]
    public void Merge_idempotent()
    {
        for (int seed = 0; seed < Cases; seed++)
        {
            var random = new Random(2000 + seed);
            var a = StateGen.Table(random);
            var b = StateGen.Table(random);
            string aBefore = StateGen.Describe(a);
            string bBefore = StateGen.Describe(b);
            AssertTablesEqual(a, a.Merge(a), $"seed {seed}: a ∪ a");
            AssertTablesEqual(a, a.Merge(BackendStateTable.Empty), $"seed {seed}: a ∪ ∅");
            AssertTablesEqual(a, BackendStateTable.Empty.Merge(a), $"seed {seed}: ∅ ∪ a");
            var ab = a.Merge(b);
            AssertTablesEqual(ab, ab.Merge(b), $"seed {seed}: (a ∪ b) ∪ b");
            AssertTablesEqual(ab, ab.Merge(a), $"seed {seed}: (a ∪ b) ∪ a");
            Assert.Equal(aBefore, StateGen.Describe(a));
            Assert.Equal(bBefore, StateGen.Describe(b));
        }
    }

    [Fact(DisplayName = "Any order and grouping of the same writes gives the same table, holding per entry the highest (version, writer)")]
    public void Order_of_writes_does_not_matter()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(3000 + seed);
            List<StateGen.Write> writes = StateGen.Writes(random, 25);
            var reference = writes.Aggregate(BackendStateTable.Empty, (t, w) => w.ApplyTo(t));
            CheckAgainstModel(writes, reference, seed);

            for (int round = 0; round < 10; round++)
            {
                // A replica that saw the writes one by one, in another order.
                var sequential = StateGen.Shuffled(random, writes).Aggregate(BackendStateTable.Empty, (t, w) => w.ApplyTo(t));
                AssertTablesEqual(reference, sequential, $"seed {seed} round {round}: writes applied in another order");

                // Replicas that each saw some of the writes (some twice), then gossiped their tables in a random order.
                int replicas = 1 + random.Next(4);
                var parts = Enumerable.Range(0, replicas).Select(_ => BackendStateTable.Empty).ToArray();
                foreach (var write in writes)
                {
                    int home = random.Next(replicas);
                    parts[home] = write.ApplyTo(parts[home]);
                    if (random.Next(4) == 0)
                    {
                        int again = random.Next(replicas);
                        parts[again] = write.ApplyTo(parts[again]);
                    }
                }

                var gossiped = StateGen.Shuffled(random, parts).Aggregate(BackendStateTable.Empty, (t, p) => random.Next(2) == 0 ? t.Merge(p) : p.Merge(t));
                AssertTablesEqual(reference, gossiped, $"seed {seed} round {round}: partial tables merged");
            }
        }
    }

    // An independent model of the rule: per id, the entry with the highest version, then the ordinally greatest writer;
    // among writes equal in both, one of them (which one is pinned by the order-independence checks).
    private static void CheckAgainstModel(List<StateGen.Write> writes, BackendStateTable table, int seed)
    {
        var healthIds = writes.Where(w => w.Health is not null).Select(w => w.Id).ToHashSet();
        var overrideIds = writes.Where(w => w.Override is not null).Select(w => w.Id).ToHashSet();
        Assert.Equal(healthIds.Order(StringComparer.Ordinal), table.Health.Keys);
        Assert.Equal(overrideIds.Order(StringComparer.Ordinal), table.Overrides.Keys);
        foreach (string id in healthIds)
        {
            var candidates = writes.Where(w => w.Id == id && w.Health is not null).Select(w => w.Health!).ToList();
            var top = candidates.Max(h => h.Version);
            string topWriter = candidates.Where(h => h.Version == top).Select(h => h.Writer).Max(StringComparer.Ordinal)!;
            var kept = table.Health[id];
            Assert.True(kept.Version == top && kept.Writer == topWriter, $"seed {seed}: health[{id}] kept {kept}, expected version {top} by '{topWriter}'");
            Assert.Contains(kept, candidates);
        }

        foreach (string id in overrideIds)
        {
            var candidates = writes.Where(w => w.Id == id && w.Override is not null).Select(w => w.Override!).ToList();
            var top = candidates.Max(o => o.Version);
            string topWriter = candidates.Where(o => o.Version == top).Select(o => o.Writer).Max(StringComparer.Ordinal)!;
            var kept = table.Overrides[id];
            Assert.True(kept.Version == top && kept.Writer == topWriter, $"seed {seed}: override[{id}] kept {kept}, expected version {top} by '{topWriter}'");
            Assert.Contains(kept, candidates);
        }
    }

    [Fact(DisplayName = "The higher version always wins, whatever the writers and contents, in either order")]
    public void Higher_version_wins()
    {
        var random = new Random(4000);
        for (int i = 0; i < 2000; i++)
        {
            var low = StateGen.Health(random);
            var high = StateGen.Health(random) with
            {
                Version = random.Next(2) == 0 ? low.Version.Next() : new StateVersion(low.Version.Epoch + 1, random.Next(-1, 2)),
            };
            Assert.True(high.Version > low.Version);
            Assert.Same(high, BackendStateTable.Empty.WithHealth("x", low).WithHealth("x", high).Health["x"]);
            Assert.Same(high, BackendStateTable.Empty.WithHealth("x", high).WithHealth("x", low).Health["x"]);
            Assert.True(BackendStateTable.Wins(high, low));
            Assert.False(BackendStateTable.Wins(low, high));

            var lowOverride = StateGen.Override(random);
            var highOverride = StateGen.Override(random) with { Version = lowOverride.Version.NextEpoch() };
            var left = BackendStateTable.Empty.WithOverride("x", lowOverride);
            var right = BackendStateTable.Empty.WithOverride("x", highOverride);
            Assert.Same(highOverride, left.Merge(right).Overrides["x"]);
            Assert.Same(highOverride, right.Merge(left).Overrides["x"]);
        }

        // An epoch beats any sequence of an older epoch.
        var old = new HealthReport(HealthStatus.Up, 1, "", 0, new StateVersion(1, long.MaxValue), "zzz");
        var newer = new HealthReport(HealthStatus.Unhealthy, 0, "down", 0, new StateVersion(2, 0), "a");
        Assert.Same(newer, BackendStateTable.Empty.WithHealth("x", old).WithHealth("x", newer).Health["x"]);
        Assert.Same(newer, BackendStateTable.Empty.WithHealth("x", newer).WithHealth("x", old).Health["x"]);
    }

    [Fact(DisplayName = "Equal versions are decided by the writer's name (ordinally greater wins), then by content, the same in either order")]
    public void Equal_versions_tie_break()
    {
        var version = new StateVersion(3, 4);
        var fromA = new HealthReport(HealthStatus.Up, 1, "", 100, version, "node-a");
        var fromB = new HealthReport(HealthStatus.Unhealthy, 0, "refused", 50, version, "node-b");
        Assert.Same(fromB, BackendStateTable.Empty.WithHealth("x", fromA).WithHealth("x", fromB).Health["x"]);
        Assert.Same(fromB, BackendStateTable.Empty.WithHealth("x", fromB).WithHealth("x", fromA).Health["x"]);

        var overA = new OperatorOverride(true, 5, "drain", version, "node-a");
        var overB = new OperatorOverride(false, null, "", version, "node-b");
        Assert.Same(overB, BackendStateTable.Empty.WithOverride("x", overA).WithOverride("x", overB).Overrides["x"]);
        Assert.Same(overB, BackendStateTable.Empty.WithOverride("x", overB).WithOverride("x", overA).Overrides["x"]);

        var random = new Random(4100);
        for (int i = 0; i < 3000; i++)
        {
            var a = StateGen.Health(random);
            var b = StateGen.Health(random) with { Version = a.Version };
            var ab = BackendStateTable.Empty.WithHealth("x", a).WithHealth("x", b).Health["x"];
            var ba = BackendStateTable.Empty.WithHealth("x", b).WithHealth("x", a).Health["x"];
            Assert.Equal(ab, ba);
            Assert.True(ab.Equals(a) || ab.Equals(b));
            int byWriter = string.CompareOrdinal(a.Writer, b.Writer);
            if (byWriter != 0)
                Assert.Equal(byWriter > 0 ? a : b, ab);
            Assert.True(a.Equals(b) || BackendStateTable.Wins(a, b) != BackendStateTable.Wins(b, a), $"{a} vs {b}: exactly one must win");

            var oa = StateGen.Override(random);
            var ob = StateGen.Override(random) with { Version = oa.Version };
            var oab = BackendStateTable.Empty.WithOverride("x", oa).WithOverride("x", ob).Overrides["x"];
            var oba = BackendStateTable.Empty.WithOverride("x", ob).WithOverride("x", oa).Overrides["x"];
            Assert.Equal(oab, oba);
            int overByWriter = string.CompareOrdinal(oa.Writer, ob.Writer);
            if (overByWriter != 0)
                Assert.Equal(overByWriter > 0 ? oa : ob, oab);
            Assert.True(oa.Equals(ob) || BackendStateTable.Wins(oa, ob) != BackendStateTable.Wins(ob, oa), $"{oa} vs {ob}: exactly one must win");
        }
    }

    [Fact(DisplayName = "Writing an entry that loses returns the same table instance")]
    public void Losing_write_is_a_no_op()
    {
        var winner = new HealthReport(HealthStatus.Up, 1, "", 0, new StateVersion(2, 0), "w");
        var table = BackendStateTable.Empty.WithHealth("x", winner);
        Assert.Same(table, table.WithHealth("x", winner with { Version = new StateVersion(1, 9) }));
        Assert.Same(table, table.WithHealth("x", winner));
        Assert.NotSame(table, table.WithHealth("x", winner with { Version = new StateVersion(2, 1) }));
    }
}
