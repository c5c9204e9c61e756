using System.Buffers.Binary;
using System.IO.Hashing;

namespace AkkaRouter.Ring;

/// <summary>
/// A fingerprint of a backend set: XXH3-64 over the backends in id order, each as length-prefixed UTF-8 id, endpoint
/// and zone plus the weight's IEEE-754 bits, so it does not depend on version or insertion order.
/// </summary>
internal static class RingChecksum
{
    public static ulong Of(IReadOnlyList<Backend> backendsById)
    {
        var hash = new XxHash3();
        Span<byte> number = stackalloc byte[sizeof(long)];
        foreach (Backend backend in backendsById)
        {
            AppendBytes(hash, backend.IdUtf8, number);
            AppendBytes(hash, backend.EndpointUtf8.Span, number);
            AppendBytes(hash, backend.ZoneUtf8, number);
            // +0.0 normalises -0.0, which compares equal and so must fingerprint equal.
            BinaryPrimitives.WriteInt64LittleEndian(number, BitConverter.DoubleToInt64Bits(backend.Weight + 0.0));
            hash.Append(number);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    private static void AppendBytes(XxHash3 hash, ReadOnlySpan<byte> utf8, Span<byte> number)
    {
        BinaryPrimitives.WriteInt64LittleEndian(number, utf8.Length);
        hash.Append(number);
        hash.Append(utf8);
    }
}
