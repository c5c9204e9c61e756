using AkkaRouter.Resp;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

public sealed class RespParserSpecs
{
    [Fact(DisplayName = "A multibulk command is parsed into its arguments and consumed exactly")]
    public void ParsesMultibulk()
    {
        var stream = "*2\r\n$3\r\nGET\r\n$5\r\nmykey\r\n";
        var result = ParseAll(stream);

        Assert.Equal([["GET", "mykey"]], result.Commands);
        Assert.Equal(RespParseStatus.Incomplete, result.Status);
        Assert.Equal(stream.Length, result.Consumed);
    }

    [Fact(DisplayName = "Bulk arguments are binary safe: NUL, CR, LF and high bytes survive")]
    public void BinarySafe()
    {
        var result = ParseAll("*3\r\n$3\r\nSET\r\n$6\r\n\0\r\n\r\xff\n\r\n$0\r\n\r\n");

        Assert.Equal([["SET", "\0\r\n\r\xff\n", ""]], result.Commands);
    }

    [Fact(DisplayName = "Arguments are zero-copy slices of the receive buffer")]
    public void ZeroCopy()
    {
        var buffer = Bytes("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
        var command = new RespCommand();

        Assert.Equal(RespParseStatus.Complete, new RespParser().TryParse(buffer, command, out _));
        buffer[17] = (byte)'K';
        Assert.Equal("Key", Text(command[1]));
    }

    [Fact(DisplayName = "Pipelined commands in one buffer are all parsed, in order, with exact consumed counts")]
    public void Pipelined()
    {
        var random = new Random(1234);
        var expected = new List<string[]>();
        var stream = new System.Text.StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var args = Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomWord(random)).ToArray();
            expected.Add(args);
            if (random.Next(3) == 0)
            {
                stream.Append(string.Join(' ', args)).Append(random.Next(2) == 0 ? "\r\n" : "\n");
            }
            else
            {
                stream.Append(Multibulk(args));
            }
        }

        var parser = new RespParser();
        var buffer = Bytes(stream.ToString());
        var command = new RespCommand();
        var offset = 0;
        foreach (var args in expected)
        {
            Assert.Equal(RespParseStatus.Complete, parser.TryParse(buffer.AsMemory(offset), command, out var used));
            Assert.Equal(args, Args(command));
            offset += used;
        }

        Assert.Equal(RespParseStatus.Incomplete, parser.TryParse(buffer.AsMemory(offset), command, out var rest));
        Assert.Equal(0, rest);
        Assert.Equal(buffer.Length, offset);
    }

    [Fact(DisplayName = "Empty multibulk frames and blank inline lines are skipped silently, like Redis")]
    public void EmptyFramesAreSkipped()
    {
        var stream = "*0\r\n*-1\r\n\r\n\n   \t\r\nPING\r\n*0\r\n";
        var result = ParseAll(stream);

        Assert.Equal([["PING"]], result.Commands);
        Assert.Equal(RespParseStatus.Incomplete, result.Status);
        Assert.Equal(stream.Length, result.Consumed);
    }

    [Fact(DisplayName = "Skipped frames are consumed even when the next command is still incomplete")]
    public void SkippedFramesAreConsumedBeforeIncomplete()
    {
        var command = new RespCommand();
        var status = new RespParser().TryParse(Bytes("*0\r\n\r\n*2\r\n$3\r\nGET"), command, out var consumed);

        Assert.Equal(RespParseStatus.Incomplete, status);
        Assert.Equal(6, consumed);
        Assert.Equal(0, command.Count);
    }

    [Fact(DisplayName = "An empty buffer is incomplete and consumes nothing")]
    public void EmptyBuffer()
    {
        var status = new RespParser().TryParse(ReadOnlyMemory<byte>.Empty, new RespCommand(), out var consumed);

        Assert.Equal(RespParseStatus.Incomplete, status);
        Assert.Equal(0, consumed);
    }

    [Fact(DisplayName = "The command object is reused: a shorter command after a longer one has only its own arguments")]
    public void CommandIsReused()
    {
        var parser = new RespParser();
        var command = new RespCommand();
        parser.TryParse(Bytes(Multibulk(Enumerable.Range(0, 50).Select(i => $"a{i}").ToArray())), command, out _);
        Assert.Equal(50, command.Count);

        parser.TryParse(Bytes("GET \"x y\"\r\n"), command, out _);
        Assert.Equal(["GET", "x y"], Args(command));
        Assert.Throws<ArgumentOutOfRangeException>(() => command[2].Length);
    }

    [Fact(DisplayName = "Is and NameEquals compare ASCII case-insensitively and tolerate missing arguments")]
    public void CaseInsensitiveNames()
    {
        var command = new RespCommand();
        new RespParser().TryParse(Bytes("gEt Key\r\n"), command, out _);

        Assert.True(command.NameEquals("GET"u8));
        Assert.False(command.NameEquals("GETX"u8));
        Assert.False(command.NameEquals("GE"u8));
        Assert.True(command.Is(1, "KEY"u8));
        Assert.False(command.Is(2, "KEY"u8));
        Assert.False(command.Is(-1, "GET"u8));
    }

    [Fact(DisplayName = "GetString decodes an argument as UTF-8")]
    public void GetStringDecodesUtf8()
    {
        var command = new RespCommand();
        new RespParser().TryParse(System.Text.Encoding.UTF8.GetBytes("*1\r\n$5\r\nclé!\r\n"), command, out _);

        Assert.Equal("clé!", command.GetString(0));
    }

    [Theory(DisplayName = "TryGetInt64 accepts exactly what Redis's string2ll accepts")]
    [InlineData("0", true, 0L)]
    [InlineData("42", true, 42L)]
    [InlineData("-7", true, -7L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("-9223372036854775809", false, 0L)]
    [InlineData("18446744073709551616", false, 0L)]
    [InlineData("+1", false, 0L)]
    [InlineData("01", false, 0L)]
    [InlineData("-0", false, 0L)]
    [InlineData("-", false, 0L)]
    [InlineData(" 1", false, 0L)]
    [InlineData("1 ", false, 0L)]
    [InlineData("1.0", false, 0L)]
    [InlineData("1e3", false, 0L)]
    [InlineData("", false, 0L)]
    public void TryGetInt64(string text, bool ok, long value)
    {
        var command = new RespCommand();
        new RespParser().TryParse(Bytes(Multibulk("INCRBY", text)), command, out _);

        Assert.Equal(ok, command.TryGetInt64(1, out var parsed));
        Assert.Equal(value, parsed);
    }

    [Fact(DisplayName = "The not-an-integer reply is Redis's exact text")]
    public void NotAnIntegerText() =>
        Assert.Equal("-ERR value is not an integer or out of range\r\n", Text(RespLiterals.NotAnIntegerError));

    private static string RandomWord(Random random) =>
        new(Enumerable.Range(0, random.Next(1, 12)).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray());
}
