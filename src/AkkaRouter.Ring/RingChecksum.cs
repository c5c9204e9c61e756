using System.Buffers.Binary;
using System.IO.Hashing;

namespace AkkaRouter.Ring;

/// <summary>
/// A fingerprint of a ring's inputs: XXH3-64 over the placement configuration's fingerprint (le64), then the backends
/// in id order, each as length-prefixed UTF-8 id, endpoint and zone, the effective and configured weights' IEEE-754
/// bits (le64) and the state (one byte), so it does not depend on version or insertion order. The free-text reason
/// is left out: it never changes an answer.
/// </summary>
internal static class RingChecksum
{
    public static ulong Of(IReadOnlyList<Backend> backendsById, ulong configuration)
    {
        var hash = new XxHash3();
        Span<byte> number = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteUInt64LittleEndian(number, configuration);
        hash.Append(number);
        foreach (Backend backend in backendsById)
        {
            AppendBytes(hash, backend.IdUtf8, number);
            AppendBytes(hash, backend.EndpointUtf8.Span, number);
            AppendBytes(hash, backend.ZoneUtf8, number);
            AppendWeight(hash, backend.Weight, number);
            AppendWeight(hash, backend.ConfiguredWeight, number);
            hash.Append([(byte)backend.State]);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    // +0.0 normalises -0.0, which compares equal and so must fingerprint equal.
    private static void AppendWeight(XxHash3 hash, double weight, Span<byte> number)
    {
        BinaryPrimitives.WriteInt64LittleEndian(number, BitConverter.DoubleToInt64Bits(weight + 0.0));
        hash.Append(number);
    }

    private static void AppendBytes(XxHash3 hash, ReadOnlySpan<byte> utf8, Span<byte> number)
    {
        BinaryPrimitives.WriteInt64LittleEndian(number, utf8.Length);
        hash.Append(number);
        hash.Append(utf8);
    }
}
