using System.Buffers.Binary;
using System.IO.Hashing;
using AkkaRouter.Ring;

namespace AkkaRouter.Ring.Tests;

public class HashingSpecs
{
    [Fact(DisplayName = "The inlined 8-byte XXH3 used for points equals System.IO.Hashing.XxHash3 for any seed and index")]
    public void Inlined_xxh3_matches_library()
    {
        var random = new Random(61);
        var le = new byte[8];
        for (int i = 0; i < 20000; i++)
        {
            long value = i < 10000 ? i : random.NextInt64(long.MinValue, long.MaxValue);
            long seed = i % 3 == 0 ? 0 : random.NextInt64(long.MinValue, long.MaxValue);
            BinaryPrimitives.WriteInt64LittleEndian(le, value);
            Assert.Equal(XxHash3.HashToUInt64(le, seed), RingHashing.Xxh3Of8Bytes(value, seed));
        }
    }
}
