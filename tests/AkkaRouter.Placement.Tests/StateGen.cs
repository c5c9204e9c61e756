using System.Text;

namespace AkkaRouter.Placement.Tests;

/// <summary>
/// Seeded generators of replicated writes and tables. Values come from small sets on purpose, so that random writes
/// often hit the same id with the same version (and the same writer), which is where a merge rule can go wrong.
/// </summary>
internal static class StateGen
{
    public static readonly string[] Ids = ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379", "b4", "ключ-5"];

    public static readonly string[] Writers = ["akka.tcp://akkarouter@a:4053#1", "akka.tcp://akkarouter@a:4053#2", "singleton", ""];

    private static readonly string[] Reasons = ["", "connect refused", "warming 3/10", "HTTP 503 ü", "drained by cmd 🙂"];

    public static StateVersion Version(Random random) => new(random.Next(3), random.Next(3));

    public static HealthReport Health(Random random) => new(
        (HealthStatus)random.Next(3),
        random.Next(4) switch { 0 => 0.2, 1 => 0.5, 2 => 0.0, _ => 1.0 },
        Reasons[random.Next(Reasons.Length)],
        random.Next(3) * 1000L,
        Version(random),
        Writers[random.Next(Writers.Length)]);

    public static OperatorOverride Override(Random random) => new(
        random.Next(2) == 0,
        random.Next(4) switch { 0 => null, 1 => 0.0, 2 => 2.5, _ => 100.0 },
        Reasons[random.Next(Reasons.Length)],
        Version(random),
        Writers[random.Next(Writers.Length)]);

    /// <summary>One write to the replicated state: a health report or an override for one id.</summary>
    public sealed record Write(string Id, HealthReport? Health, OperatorOverride? Override)
    {
        public BackendStateTable ApplyTo(BackendStateTable table) =>
            Health is not null ? table.WithHealth(Id, Health) : table.WithOverride(Id, Override!);
    }

    public static Write OneWrite(Random random)
    {
        string id = Ids[random.Next(Ids.Length)];
        return random.Next(2) == 0 ? new Write(id, Health(random), null) : new Write(id, null, Override(random));
    }

    public static List<Write> Writes(Random random, int max)
    {
        int count = random.Next(max + 1);
        var writes = new List<Write>(count);
        for (int i = 0; i < count; i++)
            writes.Add(OneWrite(random));
        return writes;
    }

    public static BackendStateTable Table(Random random, int maxWrites = 12) =>
        Writes(random, maxWrites).Aggregate(BackendStateTable.Empty, (t, w) => w.ApplyTo(t));

    /// <summary>A table with arbitrary (valid) strings and numbers, for the codec.</summary>
    public static BackendStateTable WideTable(Random random)
    {
        var table = BackendStateTable.Empty;
        int health = random.Next(8);
        for (int i = 0; i < health; i++)
        {
            table = table.WithHealth(Text(random, 1), new HealthReport(
                (HealthStatus)random.Next(3),
                random.Next(3) switch { 0 => 0.0, 1 => 1.0, _ => random.NextDouble() },
                Text(random, 0),
                random.NextInt64(long.MinValue, long.MaxValue),
                new StateVersion(random.NextInt64(long.MinValue, long.MaxValue), random.NextInt64()),
                Text(random, 0)));
        }

        int overrides = random.Next(8);
        for (int i = 0; i < overrides; i++)
        {
            table = table.WithOverride(Text(random, 1), new OperatorOverride(
                random.Next(2) == 0,
                random.Next(3) switch { 0 => null, 1 => 0.0, _ => Math.Round(random.NextDouble() * 100, 3) },
                Text(random, 0),
                new StateVersion(random.NextInt64(), random.NextInt64(long.MinValue, long.MaxValue)),
                Text(random, 0)));
        }

        return table;
    }

    /// <summary>A well-formed string (UTF-8 round-trips it): ASCII, Cyrillic, CJK and astral characters.</summary>
    public static string Text(Random random, int minLength)
    {
        int length = minLength + random.Next(12);
        var builder = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            switch (random.Next(5))
            {
                case 0: builder.Append((char)random.Next(0x20, 0x7F)); break;
                case 1: builder.Append((char)random.Next(0x400, 0x4FF)); break;
                case 2: builder.Append((char)random.Next(0x4E00, 0x9FFF)); break;
                case 3: builder.Append(char.ConvertFromUtf32(random.Next(0x1F300, 0x1F64F))); break;
                default: builder.Append((char)random.Next('a', 'z' + 1)); break;
            }
        }

        return builder.ToString();
    }

    /// <summary>Describes a table fully, so a failed equality shows the difference.</summary>
    public static string Describe(BackendStateTable table) =>
        string.Join("; ", table.Health.Select(e => $"H[{e.Key}]={e.Value}"))
        + " | " + string.Join("; ", table.Overrides.Select(e => $"O[{e.Key}]={e.Value}"));

    public static T[] Shuffled<T>(Random random, IEnumerable<T> items)
    {
        T[] copy = items.ToArray();
        random.Shuffle(copy);
        return copy;
    }
}
