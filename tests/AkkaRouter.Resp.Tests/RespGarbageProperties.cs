using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AkkaRouter.Resp;
using CsCheck;

namespace AkkaRouter.Resp.Tests;

/// <summary>
/// Generated garbage and mutated valid streams, under generated limits, given to the parser as a slice of a larger
/// array whose bytes beyond the slice are poison. RespGarbageSpecs feeds fixed-seed garbage in chunks; these also vary
/// the limits, prove the parser never looks past the bytes it was given, and shrink a failure to a minimal stream.
/// </summary>
public sealed class RespGarbageProperties
{
    private static readonly Gen<RespLimits> Limits = Gen.Frequency(
        (1, Gen.Const(RespLimits.Default)),
        (3, Gen.Select(Gen.Int[1, 20], Gen.Int[1, 80], Gen.Int[1, 60], Gen.Int[1, 300], (arguments, bulk, inline, multibulk) => new RespLimits
        {
            MaxArguments = arguments,
            MaxBulkLength = bulk,
            MaxInlineLength = inline,
            MaxMultibulkLength = multibulk,
        })));

    // Mostly the bytes that steer the parser, so garbage gets deep into it.
    private static readonly Gen<byte> Steering = Gen.Frequency(
        (6, Gen.Char["*$:+-0123456789\r\n \t\"'\\x"].Select(c => (byte)c)),
        (1, Gen.Byte));

    private static readonly Gen<byte[]> Garbage = Gen.Frequency(
        (3, Steering.Array[0, 200]),
        (2, RespSplitProperties.Streams.SelectMany(frames =>
        {
            var bytes = frames.SelectMany(f => f.Bytes).ToArray();
            // A few bytes overwritten, dropped or cut off.
            return Gen.Select(Gen.Int[0, bytes.Length - 1].Array[1, 4], Steering, Gen.Int[0, 2], (at, with, how) => how switch
            {
                0 => Overwrite(bytes, at, with),
                1 => [.. bytes.Where((_, i) => !at.Contains(i))],
                _ => bytes[..at.Min()],
            });
        })));

    [Fact(DisplayName = "Garbage never throws, ends in the protocol error or waits, and never reads past the buffer")]
    public void GarbageIsContained()
    {
        Gen.Select(Garbage, Limits, Gen.Byte.Array[1, 64]).Sample((garbage, limits, poison) =>
        {
            var exact = Parse(new RespParser(limits), garbage);
            var backing = new byte[garbage.Length + poison.Length];
            garbage.CopyTo(backing, 0);
            poison.CopyTo(backing, garbage.Length);
            var sliced = Parse(new RespParser(limits), backing.AsMemory(0, garbage.Length));
            Assert.Equal(exact, sliced);
        }, iter: 4000, threads: 1);
    }

    /// <summary>Parses like a connection that got everything in one read; the commands, then how it ended.</summary>
    private static List<string> Parse(RespParser parser, ReadOnlyMemory<byte> buffer)
    {
        var seen = new List<string>();
        var command = new RespCommand();
        var offset = 0;
        while (true)
        {
            var slice = buffer[offset..];
            var status = parser.TryParse(slice, command, out var consumed);
            Assert.InRange(consumed, 0, slice.Length);
            offset += consumed;
            switch (status)
            {
                case RespParseStatus.Complete:
                    Assert.True(consumed > 0);
                    Assert.InRange(command.Count, 1, parser.Limits.MaxArguments);
                    for (var i = 0; i < command.Count; i++)
                    {
                        Assert.True(WithinOrApart(slice.Span[..consumed], command[i], buffer), $"argument {i} lies outside the bytes it was parsed from");
                    }

                    seen.Add(string.Join(' ', Enumerable.Range(0, command.Count).Select(i => Convert.ToHexString(command[i]))));
                    break;
                case RespParseStatus.Incomplete:
                    Assert.InRange(buffer.Length - offset, 0, parser.Limits.MaxBufferedBytes);
                    seen.Add($"incomplete at {offset}");
                    return seen;
                case RespParseStatus.Error:
                    Assert.Equal(0, command.Count);
                    Assert.StartsWith("ERR Protocol error: ", command.Error!.Message);
                    seen.Add(command.Error.Message);
                    return seen;
                default:
                    throw new InvalidOperationException($"unknown status {status}");
            }
        }
    }

    /// <summary>
    /// True when <paramref name="argument"/> lies inside <paramref name="frame"/> (a zero-copy slice) or wholly outside
    /// the memory the parser was given (the command's own scratch space for unescaped inline words).
    /// </summary>
    private static bool WithinOrApart(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> argument, ReadOnlyMemory<byte> given)
    {
        if (argument.IsEmpty)
        {
            return true;
        }

        var backing = MemoryMarshal.TryGetArray(given, out var segment) ? segment.Array! : given.ToArray();
        var fromFrame = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(frame), ref MemoryMarshal.GetReference(argument));
        if (fromFrame >= 0 && fromFrame + argument.Length <= frame.Length)
        {
            return true;
        }

        var fromBacking = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(backing), ref MemoryMarshal.GetReference(argument));
        return fromBacking + argument.Length <= 0 || fromBacking >= backing.Length;
    }

    private static byte[] Overwrite(byte[] bytes, int[] at, byte with)
    {
        var copy = bytes.ToArray();
        foreach (var i in at)
        {
            copy[i] = with;
        }

        return copy;
    }
}
