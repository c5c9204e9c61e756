using System.Text;
using AkkaRouter.Resp;
using CsCheck;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

/// <summary>
/// Generated streams (multibulk commands with arbitrary bytes, inline commands quoted as a client would type them,
/// the empty frames Redis skips), cut at generated points and fed the way the connection loop feeds them.
/// RespSplitSpecs checks every prefix of fixed frames; these vary the frames' contents and shrink a failure to a
/// minimal stream.
/// </summary>
public sealed class RespSplitProperties
{
    /// <summary>A frame's bytes and the command it carries (null: skipped, like Redis skips it).</summary>
    internal sealed record Frame(byte[] Bytes, byte[][]? Command)
    {
        public override string ToString() => Convert.ToHexString(Bytes);
    }

    private static readonly Gen<byte[]> AnyBytes = Gen.Frequency(
        (3, Gen.Byte.Array[0, 12]),
        (1, Gen.Byte.Array[0, 300]),
        (1, Gen.Const(Bytes("\r\n*1\r\n$4\r\nPING\r\n"))));

    // Every byte a client can type, the quote and escape characters among them.
    private static readonly Gen<byte[]> TypedWord = Gen.Frequency(
        (4, Gen.Char["abcdefgABC0123456789:_-./"].Array[1, 10].Select(c => Encoding.ASCII.GetBytes(c))),
        (1, Gen.Char["ab \t\"'\\x*$\r\n\0é"].Array[0, 10].Select(c => Encoding.Latin1.GetBytes(c))),
        (1, Gen.Byte.Array[0, 8]));

    internal static readonly Gen<Frame> Multibulk =
        AnyBytes.Array[1, 6].Select(args => new Frame(Encode(args), args));

    internal static readonly Gen<Frame> Inline =
        Gen.Select(TypedWord.Array[1, 6], Gen.Int[0, 3], Gen.Bool, (args, quoting, crlf) =>
            new Frame([.. InlineLine(args, quoting), .. crlf ? "\r\n"u8 : "\n"u8], args));

    private static readonly Gen<Frame> Skipped = Gen.OneOf(
        Gen.Const(new Frame(Bytes("*0\r\n"), null)),
        Gen.Const(new Frame(Bytes("*-1\r\n"), null)),
        Gen.Const(new Frame(Bytes("\r\n"), null)),
        Gen.Const(new Frame(Bytes(" \t \n"), null)));

    internal static readonly Gen<Frame[]> Streams = Gen.Frequency((5, Multibulk), (4, Inline), (1, Skipped)).Array[1, 12];

    [Fact(DisplayName = "Any byte split of a valid stream parses to the same commands as the whole stream")]
    public void AnySplitParsesTheSame()
    {
        var cases = Streams.SelectMany(frames =>
        {
            var length = frames.Sum(f => f.Bytes.Length);
            return Gen.Int[1, length].Array[0, 12].Select(cuts => (frames, cuts));
        });

        cases.Sample((frames, cuts) =>
        {
            var bytes = frames.SelectMany(f => f.Bytes).ToArray();
            var expected = frames.Where(f => f.Command is not null).Select(f => f.Command!.Select(a => Text(a)).ToArray()).ToList();

            var whole = ParseAll(new RespParser(), bytes);
            Assert.Equal(RespParseStatus.Incomplete, whole.Status);
            Assert.Equal(bytes.Length, whole.Consumed);
            Assert.Equal(expected, whole.Commands);

            Assert.Equal(expected, FeedInReads(bytes, [.. cuts.Distinct().Order(), bytes.Length]));
        }, iter: 2000, threads: 1);
    }

    [Fact(DisplayName = "A stream read one byte at a time parses to the same commands")]
    public void ByteAtATime()
    {
        Streams.Sample(frames =>
        {
            var bytes = frames.SelectMany(f => f.Bytes).ToArray();
            var expected = frames.Where(f => f.Command is not null).Select(f => f.Command!.Select(a => Text(a)).ToArray()).ToList();
            Assert.Equal(expected, FeedInReads(bytes, Enumerable.Range(1, bytes.Length)));
        }, iter: 300, threads: 1);
    }

    /// <summary>
    /// The connection loop: each read appends to the unconsumed tail, every complete command is taken, the consumed
    /// bytes are dropped. <paramref name="readEnds"/> are the offsets where reads end, ascending.
    /// </summary>
    internal static List<string[]> FeedInReads(byte[] bytes, IEnumerable<int> readEnds)
    {
        var parser = new RespParser();
        var pending = Array.Empty<byte>();
        var commands = new List<string[]>();
        var read = 0;
        foreach (var end in readEnds)
        {
            pending = [.. pending, .. bytes.AsSpan(read, end - read)];
            read = end;
            var result = ParseAll(parser, pending);
            Assert.Equal(RespParseStatus.Incomplete, result.Status);
            commands.AddRange(result.Commands);
            pending = pending[result.Consumed..];
        }

        Assert.Empty(pending);
        return commands;
    }

    internal static byte[] Encode(byte[][] args)
    {
        var bytes = new List<byte>(Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
        foreach (var arg in args)
        {
            bytes.AddRange(Encoding.ASCII.GetBytes($"${arg.Length}\r\n"));
            bytes.AddRange(arg);
            bytes.AddRange("\r\n"u8.ToArray());
        }

        return [.. bytes];
    }

    /// <summary>
    /// The words as one inline line that splits back to them: plain when a word has no special byte (quoting 0), else
    /// in double quotes with \xHH escapes (1), with short escapes where they exist (2), or in single quotes when that
    /// can hold the word (3).
    /// </summary>
    internal static byte[] InlineLine(byte[][] args, int quoting)
    {
        var line = new List<byte>();
        for (var i = 0; i < args.Length; i++)
        {
            if (i > 0)
            {
                line.Add((byte)' ');
            }

            var arg = args[i];
            var plain = arg.Length > 0 && arg.All(b => b > 0x20 && b < 0x7f && b is not ((byte)'"' or (byte)'\''))
                && !(i == 0 && arg[0] == (byte)'*');
            if (plain && quoting == 0)
            {
                line.AddRange(arg);
            }
            else if (quoting == 3 && arg.All(b => b >= 0x20 && b != 0x7f && b != (byte)'\\'))
            {
                line.Add((byte)'\'');
                foreach (var b in arg)
                {
                    line.AddRange(b == (byte)'\'' ? "\\'"u8.ToArray() : [b]);
                }

                line.Add((byte)'\'');
            }
            else
            {
                line.Add((byte)'"');
                foreach (var b in arg)
                {
                    var shortEscape = b switch { (byte)'\n' => "\\n", (byte)'\r' => "\\r", (byte)'\t' => "\\t", (byte)'"' => "\\\"", (byte)'\\' => "\\\\", _ => null };
                    line.AddRange(Encoding.ASCII.GetBytes(
                        quoting == 2 && shortEscape is not null ? shortEscape
                        : b is >= 0x20 and < 0x7f and not ((byte)'"' or (byte)'\\') ? ((char)b).ToString()
                        : $"\\x{b:x2}"));
                }

                line.Add((byte)'"');
            }
        }

        return [.. line];
    }
}
