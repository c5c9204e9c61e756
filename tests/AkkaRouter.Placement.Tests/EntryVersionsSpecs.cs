namespace AkkaRouter.Placement.Tests;

public class EntryVersionsSpecs
{
    [Fact(DisplayName = "A writer's first write opens an epoch above the version seen (or epoch 1 on an empty entry)")]
    public void First_write_opens_an_epoch()
    {
        var versions = new EntryVersions();
        Assert.Equal(new StateVersion(1, 0), versions.Next("a", null));
        Assert.Equal(new StateVersion(8, 0), versions.Next("b", new StateVersion(7, 42)));
        Assert.Equal(new StateVersion(1, 0), versions.Next("c", new StateVersion(0, 0)));
    }

    [Fact(DisplayName = "Later writes count the sequence up within the writer's epoch, per entry")]
    public void Later_writes_increment_the_sequence()
    {
        var versions = new EntryVersions();
        var first = versions.Next("a", new StateVersion(3, 9));
        Assert.Equal(new StateVersion(4, 0), first);
        Assert.Equal(new StateVersion(4, 1), versions.Next("a", first));
        Assert.Equal(new StateVersion(4, 2), versions.Next("a", new StateVersion(4, 1)));
        // The table may lag behind this writer's own writes (or not be read at all): still counting up.
        Assert.Equal(new StateVersion(4, 3), versions.Next("a", new StateVersion(3, 9)));
        Assert.Equal(new StateVersion(4, 4), versions.Next("a", null));
        // Entries are numbered independently.
        Assert.Equal(new StateVersion(1, 0), versions.Next("b", null));
        Assert.Equal(new StateVersion(4, 5), versions.Next("a", new StateVersion(4, 4)));
    }

    [Fact(DisplayName = "When another writer got ahead, the next write opens a new epoch above it; an equal version is still exceeded")]
    public void Overtaken_writer_opens_a_new_epoch()
    {
        var versions = new EntryVersions();
        Assert.Equal(new StateVersion(1, 0), versions.Next("a", null));
        Assert.Equal(new StateVersion(1, 1), versions.Next("a", null));
        // Another writer wrote (1, 5), then (6, 0).
        Assert.Equal(new StateVersion(2, 0), versions.Next("a", new StateVersion(1, 5)));
        Assert.Equal(new StateVersion(7, 0), versions.Next("a", new StateVersion(6, 0)));
        // Another writer wrote exactly this writer's last version: the next write is still above it.
        var mine = versions.Next("a", new StateVersion(7, 0));
        Assert.True(mine > new StateVersion(7, 0), $"{mine}");
        var next = versions.Next("a", mine);
        Assert.True(next > mine, $"{next} after {mine}");
    }

    [Fact(DisplayName = "A restarted writer given the old version never goes backwards, and its first write wins the merge")]
    public void Restarted_writer_never_goes_backwards()
    {
        var old = new EntryVersions();
        StateVersion last = default;
        for (int i = 0; i < 5; i++)
            last = old.Next("a", last == default ? null : last);
        Assert.Equal(new StateVersion(1, 4), last);

        var restarted = new EntryVersions();
        var first = restarted.Next("a", last);
        Assert.True(first > last, $"{first} after {last}");
        Assert.Equal(new StateVersion(2, 0), first);

        // Even against a predecessor that wrote a huge sequence, and with the old and new writers' names in either order.
        var previous = new HealthReport(HealthStatus.Up, 1, "", 0, new StateVersion(5, long.MaxValue - 1), "zzz-old");
        var fresh = new HealthReport(HealthStatus.Unhealthy, 0, "refused", 0, new EntryVersions().Next("a", previous.Version), "aaa-new");
        Assert.Same(fresh, BackendStateTable.Empty.WithHealth("a", previous).WithHealth("a", fresh).Health["a"]);
        Assert.Same(fresh, BackendStateTable.Empty.WithHealth("a", fresh).WithHealth("a", previous).Health["a"]);
    }

    [Fact(DisplayName = "Simulated writers, restarts and lagging replicas: every write is above everything its writer saw and wrote")]
    public void Random_writers_never_go_backwards()
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            string[] ids = ["a", "b", "c"];
            var writers = Enumerable.Range(0, 3).Select(_ => new EntryVersions()).ToArray();
            var replicas = Enumerable.Range(0, 3).Select(_ => BackendStateTable.Empty).ToArray();
            var lastWritten = new Dictionary<(int Writer, string Id), StateVersion>();
            for (int step = 0; step < 100; step++)
            {
                int w = random.Next(writers.Length);
                int r = random.Next(replicas.Length);
                string id = ids[random.Next(ids.Length)];
                switch (random.Next(10))
                {
                    case 0:
                        // Restart: the writer forgets everything it wrote.
                        writers[w] = new EntryVersions();
                        lastWritten.Keys.Where(k => k.Writer == w).ToList().ForEach(k => lastWritten.Remove(k));
                        break;
                    case 1:
                    case 2:
                        // Gossip between two replicas.
                        int other = random.Next(replicas.Length);
                        replicas[r] = replicas[r].Merge(replicas[other]);
                        break;
                    default:
                        StateVersion? seen = replicas[r].Health.TryGetValue(id, out var current) ? current.Version : null;
                        var version = writers[w].Next(id, seen);
                        if (seen is not null)
                            Assert.True(version > seen.Value, $"seed {seed} step {step}: {version} not above seen {seen}");
                        if (lastWritten.TryGetValue((w, id), out var mine))
                            Assert.True(version > mine, $"seed {seed} step {step}: {version} not above own last {mine}");
                        lastWritten[(w, id)] = version;
                        var report = new HealthReport(HealthStatus.Up, 1, "", step, version, $"writer-{w}");
                        replicas[r] = replicas[r].WithHealth(id, report);
                        Assert.Same(report, replicas[r].Health[id]);
                        break;
                }
            }
        }
    }
}
