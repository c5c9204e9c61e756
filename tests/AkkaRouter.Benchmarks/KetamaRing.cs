using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using AkkaRouter.Ring;

namespace AkkaRouter.Benchmarks;

/// <summary>How a <see cref="KetamaRing"/> places its points and hashes keys.</summary>
public enum KetamaHash
{
    /// <summary>The real ring's point hash (XXH3-64 of the index, seeded with the XXH3 of the id; top 32 bits) and key hash.</summary>
    Xxh3,

    /// <summary>
    /// nginx's `hash $key consistent` (ngx_http_upstream_hash_module): per server, weight × 160 points, point j =
    /// CRC32(host "\0" port, previous point as 4 little-endian bytes) with the first "previous" 0; keys by CRC32.
    /// </summary>
    NginxCrc32,
}

/// <summary>
/// The classic ketama baseline for comparison only: a fixed number of points per backend, successor rule (a key
/// belongs to the first point at or after its hash, wrapping), binary search over one sorted array. Built on one
/// thread, as nginx builds it.
/// </summary>
public sealed class KetamaRing
{
    private readonly uint[] _positions;
    private readonly int[] _owners;
    private readonly Backend[] _backends;
    private readonly KetamaHash _hash;

    public KetamaRing(IReadOnlyList<Backend> backends, int pointsPerBackend, KetamaHash hash = KetamaHash.Xxh3)
    {
        _hash = hash;
        _backends = backends.OrderBy(b => b.Id, StringComparer.Ordinal).ToArray();
        var points = new List<(uint Position, int Owner)>(_backends.Length * pointsPerBackend);
        Span<byte> le = stackalloc byte[8];
        for (int owner = 0; owner < _backends.Length; owner++)
        {
            if (hash == KetamaHash.NginxCrc32)
            {
                AddNginxPoints(points, owner, _backends[owner].Endpoint, pointsPerBackend);
                continue;
            }

            long seed = unchecked((long)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(_backends[owner].Id)));
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

    public IReadOnlyList<Backend> Backends => _backends;

    // ngx_http_upstream_update_chash: base = crc32_update(host), crc32_update("\0"), crc32_update(port); each point
    // continues from base with the previous point's 4 bytes and is finalised. A CRC over the concatenation is the same.
    private static void AddNginxPoints(List<(uint, int)> points, int owner, string endpoint, int count)
    {
        int colon = endpoint.LastIndexOf(':');
        byte[] prefix = Encoding.ASCII.GetBytes(endpoint[..colon] + "\0" + endpoint[(colon + 1)..]);
        byte[] buffer = new byte[prefix.Length + 4];
        prefix.CopyTo(buffer, 0);
        uint previous = 0;
        for (int j = 0; j < count; j++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(prefix.Length), previous);
            uint point = Crc32.HashToUInt32(buffer);
            points.Add((point, owner));
            previous = point;
        }
    }

    public Backend Owner(ReadOnlySpan<byte> keyUtf8)
    {
        uint key = _hash == KetamaHash.NginxCrc32 ? Crc32.HashToUInt32(keyUtf8) : (uint)(XxHash3.HashToUInt64(keyUtf8) >> 32);
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

    /// <summary>
    /// Exactly how much of the key space changes owner between two rings, and whether any of it moved between two
    /// backends that are both in <paramref name="a"/> and <paramref name="b"/> (movement a change did not call for).
    /// </summary>
    public static (double MovedFraction, bool OthersMoved) Movement(KetamaRing a, KetamaRing b)
    {
        // Every position of either ring bounds an arc on which both owners are constant: the owner of the arc
        // (p_prev, p] in each ring is the owner of p, the arc's right end.
        var cuts = a._positions.Concat(b._positions).Distinct().Order().ToArray();
        var inB = b._backends.Select(x => x.Id).ToHashSet(StringComparer.Ordinal);
        var inA = a._backends.Select(x => x.Id).ToHashSet(StringComparer.Ordinal);
        double moved = 0;
        bool others = false;
        for (int i = 0; i < cuts.Length; i++)
        {
            uint end = cuts[i];
            uint start = cuts[i == 0 ? cuts.Length - 1 : i - 1];
            string ownerA = a.OwnerAt(end), ownerB = b.OwnerAt(end);
            if (ownerA == ownerB)
            {
                continue;
            }

            moved += (uint)(end - start);
            others |= inB.Contains(ownerA) && inA.Contains(ownerB);
        }

        return (moved / 4294967296.0, others);
    }

    private string OwnerAt(uint position)
    {
        int index = Array.BinarySearch(_positions, position);
        if (index < 0)
        {
            index = ~index;
        }

        while (index > 0 && index < _positions.Length && _positions[index - 1] == position)
        {
            index--;
        }

        return _backends[_owners[index == _positions.Length ? 0 : index]].Id;
    }
}
