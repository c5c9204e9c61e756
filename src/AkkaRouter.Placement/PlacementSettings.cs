using System.Buffers.Binary;
using System.IO.Hashing;

namespace AkkaRouter.Placement;

/// <summary>Zone affinity of one router: it places keys among its own zone's backends while enough of them own keys.</summary>
/// <param name="Zone">The router's zone (<c>akka-router.node.zone</c>).</param>
/// <param name="MinHealthyFraction">Below this fraction of the zone's backends owning keys, the router places among all.</param>
public sealed record ZoneAffinity(string Zone, double MinHealthyFraction);

/// <summary>The placement configuration of a router; its <see cref="Fingerprint"/> is part of the ring checksum.</summary>
/// <param name="MaxUnhealthyFraction">Health never takes more than this fraction of the (not drained) backends off the ring.</param>
/// <param name="StaticBackendsChecked">Whether the health singleton checks static backends (its check type is not none).</param>
/// <param name="Affinity">Zone affinity, or null when off. Routers of one zone share it, so they agree with each other.</param>
public sealed record PlacementSettings(double MaxUnhealthyFraction, bool StaticBackendsChecked, ZoneAffinity? Affinity = null)
{
    public static PlacementSettings Default { get; } = new(0.5, true);

    /// <summary>
    /// XXH3-64 over a format byte and each setting, so routers configured differently show different checksums. Without
    /// zone affinity the bytes are those of format 1, so such a router's checksum is unchanged.
    /// </summary>
    public ulong Fingerprint
    {
        get
        {
            var bytes = new List<byte>(32) { 1 };
            Span<byte> number = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(number, BitConverter.DoubleToInt64Bits(MaxUnhealthyFraction + 0.0));
            bytes.AddRange(number.ToArray());
            bytes.Add(StaticBackendsChecked ? (byte)1 : (byte)0);
            if (Affinity is { } affinity)
            {
                bytes[0] = 2;
                BinaryPrimitives.WriteInt64LittleEndian(number, BitConverter.DoubleToInt64Bits(affinity.MinHealthyFraction + 0.0));
                bytes.AddRange(number.ToArray());
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(affinity.Zone));
            }
            return XxHash3.HashToUInt64(bytes.ToArray());
        }
    }
}
