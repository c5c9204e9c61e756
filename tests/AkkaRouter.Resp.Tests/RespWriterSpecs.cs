using System.Buffers;
using AkkaRouter.Resp;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

public sealed class RespWriterSpecs
{
    [Theory(DisplayName = "Replies that are the same in RESP2 and RESP3 are byte-exact in both")]
    [InlineData(RespProtocol.Resp2)]
    [InlineData(RespProtocol.Resp3)]
    public void CommonReplies(RespProtocol protocol)
    {
        Assert.Equal("+OK\r\n", Written(protocol, w => w.SimpleString("OK"u8)));
        Assert.Equal("+a  b\r\n", Written(protocol, w => w.SimpleString("a\r\nb"u8)));
        Assert.Equal("-ERR unknown command\r\n", Written(protocol, w => w.Error("ERR unknown command"u8)));
        Assert.Equal("-ERR bad  key 'é'\r\n", WrittenUtf8(protocol, w => w.Error("ERR bad\r\nkey 'é'")));
        Assert.Equal(":0\r\n", Written(protocol, w => w.Integer(0)));
        Assert.Equal(":-42\r\n", Written(protocol, w => w.Integer(-42)));
        Assert.Equal(":9223372036854775807\r\n", Written(protocol, w => w.Integer(long.MaxValue)));
        Assert.Equal(":-9223372036854775808\r\n", Written(protocol, w => w.Integer(long.MinValue)));
        Assert.Equal("$14\r\n10.0.0.1:6379\r\r\n", Written(protocol, w => w.BulkString("10.0.0.1:6379\r"u8)));
        Assert.Equal("$0\r\n\r\n", Written(protocol, w => w.BulkString(""u8)));
        Assert.Equal("$3\r\n\0\r\n\r\n", Written(protocol, w => w.BulkString("\0\r\n"u8)));
        Assert.Equal("$4\r\nclé\r\n", WrittenUtf8(protocol, w => w.BulkString("clé")));
        Assert.Equal("*3\r\n", Written(protocol, w => w.ArrayHeader(3)));
        Assert.Equal("*0\r\n", Written(protocol, w => w.ArrayHeader(0)));
        Assert.Equal("+PONG\r\n", Written(protocol, w => w.Raw(RespLiterals.Pong)));
    }

    [Fact(DisplayName = "A bulk string larger than one output segment is written whole")]
    public void LargeBulkString()
    {
        var payload = new string('x', 100_000);

        Assert.Equal($"$100000\r\n{payload}\r\n", Written(RespProtocol.Resp2, w => w.BulkString(Bytes(payload))));
    }

    [Theory(DisplayName = "Replies with RESP3 types use RESP3 encodings or their RESP2 fallbacks")]
    [InlineData("null", "$-1\r\n", "_\r\n")]
    [InlineData("null array", "*-1\r\n", "_\r\n")]
    [InlineData("map of 2", "*4\r\n", "%2\r\n")]
    [InlineData("set of 3", "*3\r\n", "~3\r\n")]
    [InlineData("push of 3", "*3\r\n", ">3\r\n")]
    [InlineData("true", ":1\r\n", "#t\r\n")]
    [InlineData("false", ":0\r\n", "#f\r\n")]
    [InlineData("double 1.5", "$3\r\n1.5\r\n", ",1.5\r\n")]
    [InlineData("double 3", "$1\r\n3\r\n", ",3\r\n")]
    [InlineData("double -0", "$2\r\n-0\r\n", ",-0\r\n")]
    [InlineData("double 1e300", "$6\r\n1e+300\r\n", ",1e+300\r\n")]
    [InlineData("double inf", "$3\r\ninf\r\n", ",inf\r\n")]
    [InlineData("double -inf", "$4\r\n-inf\r\n", ",-inf\r\n")]
    [InlineData("double nan", "$3\r\nnan\r\n", ",nan\r\n")]
    [InlineData("verbatim", "$5\r\nhello\r\n", "=9\r\ntxt:hello\r\n")]
    [InlineData("verbatim md", "$2\r\n# \r\n", "=6\r\nmd :# \r\n")]
    [InlineData("verbatim long format", "$1\r\nx\r\n", "=5\r\nmar:x\r\n")]
    public void TypedReplies(string reply, string resp2, string resp3)
    {
        Action<RespWriter> write = reply switch
        {
            "null" => w => w.Null(),
            "null array" => w => w.NullArray(),
            "map of 2" => w => w.MapHeader(2),
            "set of 3" => w => w.SetHeader(3),
            "push of 3" => w => w.PushHeader(3),
            "true" => w => w.Boolean(true),
            "false" => w => w.Boolean(false),
            "double 1.5" => w => w.Double(1.5),
            "double 3" => w => w.Double(3),
            "double -0" => w => w.Double(-0.0),
            "double 1e300" => w => w.Double(1e300),
            "double inf" => w => w.Double(double.PositiveInfinity),
            "double -inf" => w => w.Double(double.NegativeInfinity),
            "double nan" => w => w.Double(double.NaN),
            "verbatim" => w => w.VerbatimString("hello"u8),
            "verbatim md" => w => w.VerbatimString("# "u8, "md"u8),
            "verbatim long format" => w => w.VerbatimString("x"u8, "markdown"u8),
            _ => throw new ArgumentOutOfRangeException(nameof(reply)),
        };

        Assert.Equal(resp2, Written(RespProtocol.Resp2, write));
        Assert.Equal(resp3, Written(RespProtocol.Resp3, write));
    }

    [Fact(DisplayName = "Switching Protocol mid-stream (HELLO 3) changes the following replies only")]
    public void ProtocolSwitch()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(output);
        writer.Null();
        writer.Protocol = RespProtocol.Resp3;
        writer.Null();

        Assert.Equal("$-1\r\n_\r\n", Text(output.WrittenSpan));
    }

    [Fact(DisplayName = "A protocol error's reply is Redis's exact wire text")]
    public void ProtocolErrorReply()
    {
        var command = new RespCommand();
        new RespParser().TryParse(Bytes("*1\r\nx"), command, out _);

        Assert.Equal("-ERR Protocol error: expected '$', got 'x'\r\n", Written(RespProtocol.Resp2, w => w.Raw(command.Error!.Reply)));
    }

    [Fact(DisplayName = "Precomputed literals are the exact common replies")]
    public void Literals()
    {
        Assert.Equal("+OK\r\n", Text(RespLiterals.Ok));
        Assert.Equal("+PONG\r\n", Text(RespLiterals.Pong));
        Assert.Equal(":0\r\n", Text(RespLiterals.Zero));
        Assert.Equal(":1\r\n", Text(RespLiterals.One));
        Assert.Equal("$-1\r\n", Text(RespLiterals.NullBulkString));
        Assert.Equal("*0\r\n", Text(RespLiterals.EmptyArray));
    }

    private static string Written(RespProtocol protocol, Action<RespWriter> write) => Text(Write(protocol, write));

    private static string WrittenUtf8(RespProtocol protocol, Action<RespWriter> write) =>
        System.Text.Encoding.UTF8.GetString(Write(protocol, write));

    private static ReadOnlySpan<byte> Write(RespProtocol protocol, Action<RespWriter> write)
    {
        // A tiny initial buffer makes every reply exercise growth.
        var output = new ArrayBufferWriter<byte>(1);
        write(new RespWriter(output, protocol));
        return output.WrittenSpan;
    }
}
