using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;

namespace AkkaRouter.Ring;

/// <summary>The documented hash functions that place keys and backend points on the 2^32 ring; nothing else decides placement.</summary>
internal static class RingHashing
{
    /// <summary>Seed of a backend's point sequence: XXH3-64 (seed 0) of its id's UTF-8 bytes.</summary>
    public static long BackendSeed(ReadOnlySpan<byte> idUtf8) => unchecked((long)XxHash3.HashToUInt64(idUtf8));

    /// <summary>
    /// Position of point <paramref name="index"/> (0-based) of a backend: the top 32 bits of XXH3-64 of the index as
    /// 8 little-endian bytes, seeded with the backend seed. Points 0..k-1 are a prefix, so a weight change only adds or
    /// removes that backend's own points.
    /// </summary>
    public static uint PointPosition(long backendSeed, long index) => (uint)(Xxh3Of8Bytes(index, backendSeed) >> 32);

    /// <summary>Fills <paramref name="destination"/> with the positions of points 0..destination.Length-1 of a backend.</summary>
    public static void PointPositions(long backendSeed, Span<uint> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (uint)(Xxh3Of8Bytes(i, backendSeed) >> 32);
        }
    }

    /// <summary>
    /// XXH3-64 of exactly 8 little-endian bytes (the reference algorithm's 4-to-8-byte path, default secret), inlined
    /// because building a ring hashes millions of points and the general entry point costs several times more.
    /// Tests check it against <see cref="XxHash3.HashToUInt64(ReadOnlySpan{byte}, long)"/>.
    /// </summary>
    internal static ulong Xxh3Of8Bytes(long value, long seed)
    {
        const ulong Secret8 = 0x1cad21f72c81017cUL;
        const ulong Secret16 = 0xdb979083e96dd4deUL;
        const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;
        ulong s = (ulong)seed;
        s ^= (ulong)BinaryPrimitives.ReverseEndianness((uint)s) << 32;
        ulong input64 = BitOperations.RotateLeft((ulong)value, 32);
        ulong h = input64 ^ ((Secret8 ^ Secret16) - s);
        h ^= BitOperations.RotateLeft(h, 49) ^ BitOperations.RotateLeft(h, 24);
        h *= PrimeMx2;
        h ^= (h >> 35) + sizeof(long);
        h *= PrimeMx2;
        return h ^ (h >> 28);
    }

    /// <summary>Position of a key: the top 32 bits of <see cref="RingSnapshot.KeyHash"/>.</summary>
    public static uint KeyPosition(ReadOnlySpan<byte> keyUtf8) => (uint)(XxHash3.HashToUInt64(keyUtf8) >> 32);
}
