using System.Buffers.Binary;
using System.Text;

namespace AkkaRouter.Placement.Tests;

/// <summary>
/// Writes backend-state frames by hand from the documented layout (independently of the codec), so tests can build
/// frames the codec would never write: unknown statuses, bad weights, lying counts and lengths.
/// </summary>
internal sealed class FrameBuilder
{
    private readonly List<byte> _bytes = [];

    public FrameBuilder Byte(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public FrameBuilder Int32(int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        _bytes.AddRange(buffer.ToArray());
        return this;
    }

    public FrameBuilder Int64(long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        _bytes.AddRange(buffer.ToArray());
        return this;
    }

    public FrameBuilder Double(double value) => Int64(BitConverter.DoubleToInt64Bits(value));

    public FrameBuilder String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Int32(utf8.Length);
        _bytes.AddRange(utf8);
        return this;
    }

    public FrameBuilder Health(string id, byte status, double factor, string reason = "", long since = 0, long epoch = 1, long sequence = 0, string writer = "w") =>
        String(id).Byte(status).Double(factor).String(reason).Int64(since).Int64(epoch).Int64(sequence).String(writer);

    public FrameBuilder Override(string id, byte flags, double weight, string reason = "", long epoch = 1, long sequence = 0, string writer = "w") =>
        String(id).Byte(flags).Double(weight).String(reason).Int64(epoch).Int64(sequence).String(writer);

    public byte[] ToArray() => [.. _bytes];
}
