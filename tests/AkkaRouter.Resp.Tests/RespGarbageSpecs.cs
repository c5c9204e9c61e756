using System.Text;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Tests;

/// <summary>Whatever arrives, the parser answers Complete, Incomplete or Error and never lets a connection buffer grow unbounded.</summary>
public sealed class RespGarbageSpecs
{
    private static readonly RespLimits Small = new()
    {
        MaxArguments = 16,
        MaxBulkLength = 64,
        MaxInlineLength = 48,
        MaxMultibulkLength = 256,
    };

    private static readonly byte[] Alphabet = Encoding.Latin1.GetBytes("*$:+-0123456789\r\n\r\n \t\"'\\xab\0\xff");

    [Fact(DisplayName = "Random bytes fed in random chunks never throw and never buffer beyond the limits")]
    public void RandomBytes()
    {
        var random = new Random(7);
        foreach (var limits in new[] { Small, RespLimits.Default })
        {
            for (var i = 0; i < 3000; i++)
            {
                var bytes = new byte[random.Next(0, 400)];
                for (var j = 0; j < bytes.Length; j++)
                {
                    bytes[j] = random.Next(10) < 7 ? Alphabet[random.Next(Alphabet.Length)] : (byte)random.Next(256);
                }

                Feed(limits, bytes, random);
            }
        }
    }

    [Fact(DisplayName = "Mutated valid streams (flips, cuts, CR/LF, huge/negative/non-digit lengths) never throw")]
    public void MutatedStreams()
    {
        var random = new Random(99);
        foreach (var limits in new[] { Small, RespLimits.Default })
        {
            for (var i = 0; i < 3000; i++)
            {
                var frames = Enumerable.Range(0, random.Next(1, 8))
                    .Select(_ => RespSplitSpecs.Frames[random.Next(RespSplitSpecs.Frames.Length)].Frame);
                var bytes = Wire.Bytes(string.Concat(frames)).ToList();
                for (var m = random.Next(1, 5); m > 0 && bytes.Count > 0; m--)
                {
                    Mutate(bytes, random);
                }

                Feed(limits, bytes.ToArray(), random);
            }
        }
    }

    [Theory(DisplayName = "Streams built to grow forever are cut off with an error within the buffering bound")]
    [InlineData("*", "1")]
    [InlineData("*1\r\n$", "9")]
    [InlineData("", "a")]
    [InlineData("GET \"", "x")]
    [InlineData("*16\r\n", "$64\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n")]
    [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$99999999999\r\n", "v")]
    public void GrowingStreamsAreCutOff(string head, string repeated)
    {
        var random = new Random(head.Length);
        var stream = new StringBuilder(head);
        while (stream.Length < 20_000)
        {
            stream.Append(repeated);
        }

        Assert.Equal(RespParseStatus.Error, Feed(Small, Wire.Bytes(stream.ToString()), random));
    }

    /// <summary>Feeds <paramref name="bytes"/> in random chunks the way a connection would; returns the last status.</summary>
    private static RespParseStatus Feed(RespLimits limits, byte[] bytes, Random random)
    {
        var parser = new RespParser(limits);
        var command = new RespCommand();
        var pending = new List<byte>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var chunk = Math.Min(bytes.Length - offset, random.Next(1, 64));
            pending.AddRange(bytes.AsSpan(offset, chunk));
            offset += chunk;
            var buffer = pending.ToArray();
            var start = 0;
            while (true)
            {
                var status = parser.TryParse(buffer.AsMemory(start), command, out var consumed);
                Assert.InRange(consumed, 0, buffer.Length - start);
                start += consumed;
                if (status == RespParseStatus.Error)
                {
                    Assert.StartsWith("ERR Protocol error: ", command.Error!.Message);
                    return status;
                }

                if (status == RespParseStatus.Incomplete)
                {
                    break;
                }

                Assert.Equal(RespParseStatus.Complete, status);
                Assert.InRange(command.Count, 1, limits.MaxArguments);
                for (var i = 0; i < command.Count; i++)
                {
                    Assert.InRange(command[i].Length, 0, Math.Max(limits.MaxBulkLength, limits.MaxInlineLength));
                }
            }

            pending.RemoveRange(0, start);
            Assert.InRange(pending.Count, 0, limits.MaxBufferedBytes);
        }

        return RespParseStatus.Incomplete;
    }

    private static void Mutate(List<byte> bytes, Random random)
    {
        var at = random.Next(bytes.Count);
        switch (random.Next(8))
        {
            case 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 2:
                bytes.Insert(at, random.Next(2) == 0 ? (byte)'\r' : (byte)'\n');
                break;
            case 3:
                bytes.RemoveAt(at);
                break;
            case 4:
                ReplaceNumber(bytes, at, "99999999999999999999999");
                break;
            case 5:
                ReplaceNumber(bytes, at, "-" + random.Next(1, 100));
                break;
            case 6:
                ReplaceNumber(bytes, at, random.Next(2) == 0 ? "x" : "1 2");
                break;
            default:
                var length = Math.Min(bytes.Count - at, random.Next(1, 20));
                bytes.InsertRange(at, bytes.GetRange(at, length));
                break;
        }
    }

    /// <summary>Replaces the first run of digits at or after <paramref name="from"/>, usually a length header.</summary>
    private static void ReplaceNumber(List<byte> bytes, int from, string replacement)
    {
        var start = bytes.FindIndex(from, b => b is >= (byte)'0' and <= (byte)'9');
        if (start < 0)
        {
            return;
        }

        var end = start;
        while (end < bytes.Count && bytes[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.ASCII.GetBytes(replacement));
    }
}
