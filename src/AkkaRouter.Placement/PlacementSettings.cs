using System.Buffers.Binary;
using System.IO.Hashing;

namespace AkkaRouter.Placement;

/// <summary>The placement configuration every router must share; its <see cref="Fingerprint"/> is part of the ring checksum.</summary>
/// <param name="MaxUnhealthyFraction">Health never takes more than this fraction of the (not drained) backends off the ring.</param>
/// <param name="StaticBackendsChecked">Whether the health singleton checks static backends (its check type is not none).</param>
public sealed record PlacementSettings(double MaxUnhealthyFraction, bool StaticBackendsChecked)
{
    public static PlacementSettings Default { get; } = new(0.5, true);

    /// <summary>XXH3-64 over a format byte and each setting, so routers configured differently show different checksums.</summary>
    public ulong Fingerprint
    {
        get
        {
            Span<byte> bytes = stackalloc byte[1 + 8 + 1];
            bytes[0] = 1;
            BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], BitConverter.DoubleToInt64Bits(MaxUnhealthyFraction + 0.0));
            bytes[9] = StaticBackendsChecked ? (byte)1 : (byte)0;
            return XxHash3.HashToUInt64(bytes);
        }
    }
}
