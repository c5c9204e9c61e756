using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

/// <summary>Seeded generators of backend sets and keys, so every failing case can be replayed from its seed.</summary>
internal static class RingGen
{
    public static Backend[] Backends(Random random, int count, bool randomWeights = false, string prefix = "10.0")
    {
        var backends = new Backend[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string endpoint;
            do
            {
                endpoint = $"{prefix}.{random.Next(256)}.{random.Next(256)}:{6379 + random.Next(4)}";
            }
            while (!seen.Add(endpoint));

            double weight = randomWeights ? Math.Round(0.25 + (random.NextDouble() * 2.75), 2) : 1.0;
            backends[i] = new Backend(endpoint, endpoint, weight, $"zone-{random.Next(3)}");
        }

        return backends;
    }

    public static string[] Keys(Random random, int count)
    {
        var keys = new string[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = random.Next(4) switch
            {
                0 => $"user:{random.Next()}",
                1 => $"session:{random.NextInt64():x}:{i}",
                2 => new string((char)('a' + random.Next(26)), 1 + random.Next(40)),
                _ => $"ключ-{random.Next(1000)}-ü-{i}",
            };
        }

        return keys;
    }

    public static T[] Shuffled<T>(Random random, IEnumerable<T> items)
    {
        T[] copy = items.ToArray();
        random.Shuffle(copy);
        return copy;
    }
}
