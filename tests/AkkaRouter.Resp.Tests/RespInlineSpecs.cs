using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

public sealed class RespInlineSpecs
{
    [Theory(DisplayName = "Inline lines split like Redis's sdssplitargs")]
    [InlineData("PING\r\n", new[] { "PING" })]
    [InlineData("PING\n", new[] { "PING" })]
    [InlineData("GET key\r\n", new[] { "GET", "key" })]
    [InlineData("  SET\t a \t b  \r\n", new[] { "SET", "a", "b" })]
    [InlineData("\v\fGET k\r\n", new[] { "GET", "k" })]
    [InlineData("GET a\vb\r\n", new[] { "GET", "a\vb" })]
    [InlineData("GET a\rb\r\n", new[] { "GET", "a", "b" })]
    [InlineData("SET \"hello world\" x\r\n", new[] { "SET", "hello world", "x" })]
    [InlineData("SET 'hello world' x\r\n", new[] { "SET", "hello world", "x" })]
    [InlineData("SET \"\" ''\r\n", new[] { "SET", "", "" })]
    [InlineData("E \"\\n\\r\\t\\b\\a\\\\\\\"\"\r\n", new[] { "E", "\n\r\t\b\a\\\"" })]
    [InlineData("E \"\\x41\\x4a\\xfF\\x00\"\r\n", new[] { "E", "AJ\xff\0" })]
    [InlineData("E \"\\x4\" \"\\xZZ\"\r\n", new[] { "E", "x4", "xZZ" })]
    [InlineData("E \"\\q\\'\"\r\n", new[] { "E", "q'" })]
    [InlineData("E 'it\\'s' 'a\\nb' 'x\"y'\r\n", new[] { "E", "it's", "a\\nb", "x\"y" })]
    [InlineData("E ab\"c d\"\r\n", new[] { "E", "abc d" })]
    [InlineData("E ab'c d' e\r\n", new[] { "E", "abc d", "e" })]
    [InlineData("E \"a\"\t\"b\"\v'c'\f'd'\r\n", new[] { "E", "a", "b", "c", "d" })]
    [InlineData("E \"a\"\r\n", new[] { "E", "a" })]
    [InlineData("$3 GET\r\n", new[] { "$3", "GET" })]
    public void Splits(string line, string[] expected)
    {
        var result = ParseAll(line);

        Assert.Equal(RespParseStatus.Incomplete, result.Status);
        Assert.Equal([expected], result.Commands);
        Assert.Equal(line.Length, result.Consumed);
    }

    [Theory(DisplayName = "Unbalanced or glued quotes fail with Redis's text")]
    [InlineData("GET \"abc\r\n")]
    [InlineData("GET 'abc\r\n")]
    [InlineData("GET \"abc\\\"\r\n")]
    [InlineData("GET 'abc\\'\r\n")]
    [InlineData("GET \"a\"b\r\n")]
    [InlineData("GET 'a'b\r\n")]
    [InlineData("GET \"a\"\"b\"\r\n")]
    [InlineData("GET \"abc\\\r\n")]
    public void UnbalancedQuotes(string line) =>
        Assert.Equal("ERR Protocol error: unbalanced quotes in request", ErrorOf(line));

    [Fact(DisplayName = "Plain inline words are zero-copy; quoted ones are unescaped into scratch space")]
    public void PlainWordsAreZeroCopy()
    {
        var buffer = Bytes("SET key \"v\\x41\"\r\n");
        var command = new RespCommand();
        new RespParser().TryParse(buffer, command, out _);
        buffer[4] = (byte)'K';

        Assert.Equal(["SET", "Key", "vA"], Args(command));
    }

    [Fact(DisplayName = "An inline line of exactly the limit parses; one byte more is too big")]
    public void InlineLimit()
    {
        var limits = new RespLimits { MaxInlineLength = 16 };
        var exact = "GET " + new string('k', 12);

        Assert.Equal([["GET", new string('k', 12)]], ParseAll(exact + "\r\n", limits).Commands);
        Assert.Equal("ERR Protocol error: too big inline request", ErrorOf(exact + "k\r\n", limits));
        Assert.Equal("ERR Protocol error: too big inline request", ErrorOf(exact + "kk", limits));
        Assert.Equal(RespParseStatus.Incomplete, ParseAll(exact + "\r", limits).Status);
    }

    [Theory(DisplayName = "A raw NUL hides the inline line's end, as Redis's strchr does: incomplete until the line outgrows the limit")]
    [InlineData("GET a\0 b\r\n")]
    [InlineData("GET \"abc\0\"\r\nPING\r\n")]
    [InlineData("\0\r\n")]
    public void NulHidesTheNewline(string line)
    {
        var limits = new RespLimits { MaxInlineLength = 32 };

        var result = ParseAll(line, limits);

        Assert.Equal(RespParseStatus.Incomplete, result.Status);
        Assert.Empty(result.Commands);
        Assert.Equal(0, result.Consumed);
        Assert.Equal("ERR Protocol error: too big inline request", ErrorOf(line + new string('x', 32), limits));
    }

    [Fact(DisplayName = "An inline line with more words than MaxArguments is too big")]
    public void InlineArgumentLimit()
    {
        var limits = new RespLimits { MaxArguments = 3 };

        Assert.Equal([["A", "b", "c"]], ParseAll("A b c\r\n", limits).Commands);
        Assert.Equal("ERR Protocol error: too big inline request", ErrorOf("A b c d\r\n", limits));
    }
}
