using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

/// <summary>
/// A naive implementation of the documented ranking, straight from the spec with no buckets or search: every backend's
/// distance is the minimum over all its points, so search and wrap-around bugs in the real ring show up as mismatches.
/// </summary>
internal sealed class ReferenceRing
{
    private readonly (Backend Backend, uint[] Points)[] _backends;

    public ReferenceRing(IEnumerable<Backend> backends)
    {
        _backends = backends.Select(b => (b, PointsOf(b.Id, RingSnapshot.PointsFor(b.Weight)))).ToArray();
    }

    public static uint KeyPosition(string key) => (uint)(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(key)) >> 32);

    public static uint[] PointsOf(string id, int count)
    {
        long seed = unchecked((long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(id)));
        var points = new uint[count];
        var le = new byte[8];
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(le, i);
            points[i] = (uint)(XxHash3.HashToUInt64(le, seed) >> 32);
        }

        return points;
    }

    /// <summary>All backends with points, best first: by nearest distance, then clockwise before counter-clockwise, then id.</summary>
    public IReadOnlyList<Backend> Ranking(string key)
    {
        uint k = KeyPosition(key);
        var ranked = new List<(uint Distance, int Direction, Backend Backend)>();
        foreach (var (backend, points) in _backends)
        {
            if (points.Length == 0)
            {
                continue;
            }

            uint best = uint.MaxValue;
            int direction = 1;
            foreach (uint p in points)
            {
                uint clockwise = p - k;
                uint counter = k - p;
                (uint d, int dir) = clockwise <= counter ? (clockwise, 0) : (counter, 1);
                if (d < best || (d == best && dir < direction))
                {
                    best = d;
                    direction = dir;
                }
            }

            ranked.Add((best, direction, backend));
        }

        return ranked
            .OrderBy(r => r.Distance)
            .ThenBy(r => r.Direction)
            .ThenBy(r => r.Backend.Id, StringComparer.Ordinal)
            .Select(r => r.Backend)
            .ToList();
    }

    public Backend? Owner(string key) => Ranking(key).FirstOrDefault();
}
