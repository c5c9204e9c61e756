using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>Seeded backend sets shaped like production ids ("10.0.x.y:8080").</summary>
public static class Workloads
{
    public static Backend[] Backends(Random random, int count, double weight = 1.0)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var backends = new Backend[count];
        for (int i = 0; i < count; i++)
        {
            string endpoint;
            do
            {
                endpoint = $"10.0.{random.Next(256)}.{random.Next(256)}:8080";
            }
            while (!seen.Add(endpoint));

            backends[i] = new Backend(endpoint, endpoint, weight);
        }

        return backends;
    }
}
