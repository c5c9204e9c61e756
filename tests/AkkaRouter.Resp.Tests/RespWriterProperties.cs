using System.Buffers;
using System.Globalization;
using System.Text;
using AkkaRouter.Resp;
using CsCheck;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

/// <summary>Whatever the writer is given, its output reads back as the same values, in RESP2 and in RESP3.</summary>
public sealed class RespWriterProperties
{
    /// <summary>A reply value and how it was written.</summary>
    public abstract record Value;

    public sealed record Bulk(byte[] Bytes, bool AsString) : Value;

    public sealed record Simple(byte[] Text) : Value;

    public sealed record Failure(byte[] Text) : Value;

    public sealed record Number(long Integer) : Value;

    public sealed record Real(double Double) : Value;

    public sealed record Flag(bool Boolean) : Value;

    public sealed record Nil : Value;

    public sealed record Verbatim(byte[] Text) : Value;

    public sealed record Items(Value[] Elements) : Value;

    public sealed record Pairs((Value Key, Value Value)[] Entries) : Value;

    private static readonly Gen<byte[]> Payload = Gen.Frequency(
        (6, Gen.Byte.Array[0, 40]),
        (1, Gen.Byte.Array[4000, 9000]),
        (2, Gen.Char["ab\r\n:$*-+é€"].Array[0, 12].Select(c => Encoding.UTF8.GetBytes(c))));

    private static readonly Gen<Value> Scalar = Gen.OneOf<Value>(
        Payload.Select(b => (Value)new Bulk(b, false)),
        Gen.Char.Array[0, 20].Select(c => (Value)new Bulk(Encoding.UTF8.GetBytes(new string(c).Normalize()), true)),
        Gen.Byte.Array[0, 30].Select(b => (Value)new Simple(b)),
        Gen.Byte.Array[0, 30].Select(b => (Value)new Failure(b)),
        Gen.Long.Select(n => (Value)new Number(n)),
        Gen.Frequency(
            (4, Gen.Double),
            (1, Gen.Long.Select(n => (double)n)),
            (1, Gen.OneOf(Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity), Gen.Const(double.NegativeInfinity), Gen.Const(-0.0), Gen.Const(1e300), Gen.Const(5e-324))))
            .Select(d => (Value)new Real(d)),
        Gen.Bool.Select(b => (Value)new Flag(b)),
        Gen.Const<Value>(new Nil()),
        Payload.Select(b => (Value)new Verbatim(b)));

    private static readonly Gen<Value> Nested = Gen.Frequency(
        (6, Scalar),
        (1, Scalar.Array[0, 5].Select(e => (Value)new Items(e))),
        (1, Gen.Select(Scalar, Scalar).Array[0, 4].Select(e => (Value)new Pairs(e))));

    private static readonly Gen<Value[]> Replies = Gen.Frequency(
        (6, Scalar),
        (2, Nested.Array[0, 5].Select(e => (Value)new Items(e))),
        (1, Gen.Select(Scalar, Nested).Array[0, 4].Select(e => (Value)new Pairs(e))))
        .Array[1, 8];

    [Theory(DisplayName = "Writer output reads back as the values written, in RESP2 and in RESP3")]
    [InlineData(RespProtocol.Resp2)]
    [InlineData(RespProtocol.Resp3)]
    public void ReadsBack(RespProtocol protocol)
    {
        Replies.Sample(replies =>
        {
            var output = new ArrayBufferWriter<byte>();
            var writer = new RespWriter(output, protocol);
            foreach (var reply in replies)
            {
                Write(writer, reply);
            }

            var reader = new Reader(output.WrittenSpan.ToArray(), protocol);
            foreach (var reply in replies)
            {
                reader.Expect(reply);
            }

            reader.AtEnd();
            Assert.Equal(replies.Sum(Failures), writer.ErrorCount);
        }, iter: 1500, threads: 1);
    }

    [Fact(DisplayName = "An array of bulk strings from the writer parses as the same request")]
    public void ArrayOfBulkStringsIsARequest()
    {
        Gen.Byte.Array[0, 600].Array[1, 10].Sample(args =>
        {
            var output = new ArrayBufferWriter<byte>();
            var writer = new RespWriter(output);
            writer.ArrayHeader(args.Length);
            foreach (var arg in args)
            {
                writer.BulkString(arg);
            }

            var result = ParseAll(new RespParser(), output.WrittenMemory);
            Assert.Equal(RespParseStatus.Incomplete, result.Status);
            Assert.Equal(output.WrittenCount, result.Consumed);
            Assert.Equal([args.Select(a => Text(a)).ToArray()], result.Commands);
        }, iter: 1000, threads: 1);
    }

    // Every Error call counts, nested ones too: the writer cannot tell a command's reply from an element of one.
    private static int Failures(Value value) => value switch
    {
        Failure => 1,
        Items a => a.Elements.Sum(Failures),
        Pairs m => m.Entries.Sum(e => Failures(e.Key) + Failures(e.Value)),
        _ => 0,
    };

    private static void Write(RespWriter writer, Value value)
    {
        switch (value)
        {
            case Bulk { AsString: true } b:
                writer.BulkString(Encoding.UTF8.GetString(b.Bytes));
                break;
            case Bulk b:
                writer.BulkString(b.Bytes);
                break;
            case Simple s:
                writer.SimpleString(s.Text);
                break;
            case Failure f:
                writer.Error(f.Text);
                break;
            case Number n:
                writer.Integer(n.Integer);
                break;
            case Real r:
                writer.Double(r.Double);
                break;
            case Flag f:
                writer.Boolean(f.Boolean);
                break;
            case Nil:
                writer.Null();
                break;
            case Verbatim v:
                writer.VerbatimString(v.Text);
                break;
            case Items a:
                writer.ArrayHeader(a.Elements.Length);
                foreach (var e in a.Elements)
                {
                    Write(writer, e);
                }

                break;
            case Pairs m:
                writer.MapHeader(m.Entries.Length);
                foreach (var (k, v) in m.Entries)
                {
                    Write(writer, k);
                    Write(writer, v);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(value));
        }
    }

    /// <summary>Reads replies off the written bytes, checking each against the value that was written.</summary>
    private sealed class Reader(byte[] bytes, RespProtocol protocol)
    {
        private int _at;

        private bool Resp3 => protocol == RespProtocol.Resp3;

        public void Expect(Value value)
        {
            switch (value)
            {
                case Bulk b:
                    Assert.Equal(b.Bytes, BulkString());
                    break;
                case Simple s:
                    Assert.Equal(Line('+'), OneLine(s.Text));
                    break;
                case Failure f:
                    Assert.Equal(Line('-'), OneLine(f.Text));
                    break;
                case Number n:
                    Assert.Equal(n.Integer, long.Parse(Text(Line(':')), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                    break;
                case Real r:
                    var text = Text(Resp3 ? Line(',') : BulkString());
                    Assert.DoesNotContain('E', text);
                    var read = text switch
                    {
                        "inf" => double.PositiveInfinity,
                        "-inf" => double.NegativeInfinity,
                        "nan" => double.NaN,
                        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                    };
                    Assert.Equal(BitConverter.DoubleToInt64Bits(r.Double), BitConverter.DoubleToInt64Bits(read));
                    break;
                case Flag f:
                    Assert.Equal(Resp3 ? (f.Boolean ? "t" : "f") : (f.Boolean ? "1" : "0"), Text(Line(Resp3 ? '#' : ':')));
                    break;
                case Nil:
                    if (Resp3)
                    {
                        Assert.Empty(Line('_'));
                    }
                    else
                    {
                        Assert.Equal("-1", Text(Line('$')));
                    }

                    break;
                case Verbatim v:
                    Assert.Equal(Resp3 ? [.. "txt:"u8, .. v.Text] : v.Text, BulkString(Resp3 ? '=' : '$'));
                    break;
                case Items a:
                    Assert.Equal(a.Elements.Length, Count('*'));
                    foreach (var e in a.Elements)
                    {
                        Expect(e);
                    }

                    break;
                case Pairs m:
                    Assert.Equal(Resp3 ? m.Entries.Length : 2 * m.Entries.Length, Count(Resp3 ? '%' : '*'));
                    foreach (var (k, v) in m.Entries)
                    {
                        Expect(k);
                        Expect(v);
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(value));
            }
        }

        public void AtEnd() => Assert.Equal(bytes.Length, _at);

        private byte[] Line(char prefix)
        {
            Assert.True(_at < bytes.Length, $"expected a '{prefix}' reply, got the end");
            Assert.Equal(prefix, (char)bytes[_at]);
            var end = bytes.AsSpan(_at).IndexOf("\r\n"u8);
            Assert.True(end > 0, "a reply line ends with CRLF");
            var line = bytes[(_at + 1)..(_at + end)];
            _at += end + 2;
            return line;
        }

        private int Count(char prefix) => int.Parse(Text(Line(prefix)), CultureInfo.InvariantCulture);

        private byte[] BulkString(char prefix = '$')
        {
            var length = Count(prefix);
            var payload = bytes[_at..(_at + length)];
            _at += length;
            Assert.Equal("\r\n", Text(bytes.AsSpan(_at, 2)));
            _at += 2;
            return payload;
        }

        private static byte[] OneLine(byte[] text) =>
            [.. text.Select(b => b is (byte)'\r' or (byte)'\n' ? (byte)' ' : b)];
    }
}
