using System.Buffers.Binary;
using System.IO.Hashing;
using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>
/// The classic ketama baseline for comparison only: a fixed number of points per backend (same point hash as the real
/// ring), successor rule, binary search over one sorted array.
/// </summary>
public sealed class KetamaRing
{
    private readonly uint[] _positions;
    private readonly int[] _owners;
    private readonly Backend[] _backends;

    public KetamaRing(IReadOnlyList<Backend> backends, int pointsPerBackend)
    {
        _backends = backends.OrderBy(b => b.Id, StringComparer.Ordinal).ToArray();
        var points = new List<(uint Position, int Owner)>(_backends.Length * pointsPerBackend);
        Span<byte> le = stackalloc byte[8];
        for (int owner = 0; owner < _backends.Length; owner++)
        {
            long seed = unchecked((long)XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(_backends[owner].Id)));
            for (int i = 0; i < pointsPerBackend; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(le, i);
                points.Add(((uint)(XxHash3.HashToUInt64(le, seed) >> 32), owner));
            }
        }

        points.Sort();
        _positions = points.Select(p => p.Position).ToArray();
        _owners = points.Select(p => p.Owner).ToArray();
    }

    public Backend Owner(ReadOnlySpan<byte> keyUtf8)
    {
        uint key = (uint)(XxHash3.HashToUInt64(keyUtf8) >> 32);
        int index = Array.BinarySearch(_positions, key);
        if (index < 0)
        {
            index = ~index;
        }

        // Equal positions: BinarySearch may land on any of them; step back to the first for a deterministic owner.
        while (index > 0 && index < _positions.Length && _positions[index - 1] == key)
        {
            index--;
        }

        return _backends[_owners[index == _positions.Length ? 0 : index]];
    }

    /// <summary>Exact share of each backend: a point owns the gap from the previous point (exclusive) to itself.</summary>
    public double[] Shares()
    {
        var counts = new double[_backends.Length];
        for (int i = 0; i < _positions.Length; i++)
        {
            uint previous = _positions[i == 0 ? _positions.Length - 1 : i - 1];
            counts[_owners[i]] += (uint)(_positions[i] - previous);
        }

        return counts.Select(c => c / 4294967296.0).ToArray();
    }
}
