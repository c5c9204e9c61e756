using AkkaRouter.Resp;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

public sealed class RespProtocolErrorSpecs
{
    private static readonly RespLimits Small = new()
    {
        MaxArguments = 4,
        MaxBulkLength = 10,
        MaxInlineLength = 32,
        MaxMultibulkLength = 64,
    };

    [Theory(DisplayName = "Malformed multibulk counts fail with 'invalid multibulk length'")]
    [InlineData("*abc\r\n")]
    [InlineData("*\r\n")]
    [InlineData("*+1\r\n")]
    [InlineData("*01\r\n")]
    [InlineData("*-0\r\n")]
    [InlineData("*1 \r\n")]
    [InlineData("*99999999999999999999\r\n")]
    [InlineData("*4097\r\n")]
    [InlineData("*1\rX")]
    public void InvalidMultibulkLength(string stream) =>
        Assert.Equal("ERR Protocol error: invalid multibulk length", ErrorOf(stream));

    [Theory(DisplayName = "Malformed, negative, oversized or lying bulk lengths fail with 'invalid bulk length'")]
    [InlineData("*1\r\n$abc\r\n")]
    [InlineData("*1\r\n$\r\n")]
    [InlineData("*1\r\n$-1\r\n")]
    [InlineData("*1\r\n$01\r\n")]
    [InlineData("*1\r\n$524289\r\n")]
    [InlineData("*1\r\n$9223372036854775807\r\n")]
    [InlineData("*1\r\n$3\rX")]
    [InlineData("*1\r\n$3\r\nGETX")]
    [InlineData("*1\r\n$3\r\nGET\rX")]
    public void InvalidBulkLength(string stream) =>
        Assert.Equal("ERR Protocol error: invalid bulk length", ErrorOf(stream));

    [Fact(DisplayName = "A declared bulk beyond the limit fails at its header, before any payload arrives")]
    public void HugeBulkFailsBeforePayload()
    {
        var command = new RespCommand();
        var status = new RespParser().TryParse(Bytes("*2\r\n$3\r\nGET\r\n$999999999\r\n"), command, out _);

        Assert.Equal(RespParseStatus.Error, status);
        Assert.Equal("ERR Protocol error: invalid bulk length", command.Error!.Message);
    }

    [Fact(DisplayName = "A bulk that would push the whole command past MaxMultibulkLength is an invalid bulk length")]
    public void MultibulkLengthLimit()
    {
        // *3 (4 bytes) + 3 * $10 (17 bytes) = 55 fit; a fourth 10-byte argument would end at byte 72 > 64.
        var fits = Multibulk("0123456789", "0123456789", "0123456789");
        Assert.Single(ParseAll(fits, Small).Commands);

        var tooLong = "*4" + fits[2..] + "$10\r\n";
        Assert.Equal("ERR Protocol error: invalid bulk length", ErrorOf(tooLong, Small));
    }

    [Fact(DisplayName = "Limits apply exactly at their boundary")]
    public void LimitBoundaries()
    {
        Assert.Single(ParseAll(Multibulk("A", "b", "c", "d"), Small).Commands);
        Assert.Equal("ERR Protocol error: invalid multibulk length", ErrorOf("*5\r\n", Small));
        Assert.Single(ParseAll(Multibulk("GET", "0123456789"), Small).Commands);
        Assert.Equal("ERR Protocol error: invalid bulk length", ErrorOf("*2\r\n$3\r\nGET\r\n$11\r\n", Small));
    }

    [Theory(DisplayName = "Anything but '$' where a bulk header belongs fails with Redis's 'expected' text")]
    [InlineData("*1\r\nfoo\r\n", "f")]
    [InlineData("*2\r\n$3\r\nGET\r\n:1\r\n", ":")]
    [InlineData("*1\r\n\r\n", " ")]
    [InlineData("*1\r\n\n", " ")]
    [InlineData("*1\r\n\xff", "\xff")]
    public void ExpectedDollar(string stream, string shown) =>
        Assert.Equal($"ERR Protocol error: expected '$', got '{shown}'", ErrorOf(stream));

    [Fact(DisplayName = "A count line without CR beyond the inline limit is 'too big mbulk count string'")]
    public void TooBigMultibulkCount()
    {
        Assert.Equal(RespParseStatus.Incomplete, ParseAll("*" + new string('1', 31), Small).Status);
        Assert.Equal("ERR Protocol error: too big mbulk count string", ErrorOf("*" + new string('1', 32), Small));
        Assert.Equal("ERR Protocol error: too big mbulk count string", ErrorOf("*" + new string('1', 70000)));
    }

    [Fact(DisplayName = "A bulk header without CR beyond the inline limit is 'too big bulk count string'")]
    public void TooBigBulkCount()
    {
        Assert.Equal(RespParseStatus.Incomplete, ParseAll("*1\r\n$" + new string('1', 31), Small).Status);
        Assert.Equal("ERR Protocol error: too big bulk count string", ErrorOf("*1\r\n$" + new string('1', 32), Small));
    }

    [Fact(DisplayName = "An inline request without newline beyond 64 KiB is 'too big inline request' by default")]
    public void TooBigInlineDefault()
    {
        Assert.Equal(RespParseStatus.Incomplete, ParseAll(new string('a', 64 * 1024)).Status);
        Assert.Equal("ERR Protocol error: too big inline request", ErrorOf(new string('a', (64 * 1024) + 1)));
    }

    [Fact(DisplayName = "Commands before a protocol error are still delivered; the error ends the stream")]
    public void CommandsBeforeErrorSurvive()
    {
        var result = ParseAll("PING\r\n*1\r\n$4\r\nECHO\r\n*x\r\nPING\r\n");

        Assert.Equal([["PING"], ["ECHO"]], result.Commands);
        Assert.Equal(RespParseStatus.Error, result.Status);
        Assert.Equal(20, result.Consumed);
    }

    [Fact(DisplayName = "Invalid limits are rejected when the parser is built")]
    public void InvalidLimits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RespParser(new RespLimits { MaxArguments = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RespParser(new RespLimits { MaxInlineLength = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RespParser(new RespLimits { MaxBulkLength = int.MaxValue }));
    }
}
