using System.Text;
using AkkaRouter.Http.Upstream;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Http.Upstream;

/// <summary>
/// The direct forwarder's strict HTTP/1.x response reading, without sockets: the head reader, the framing decision of
/// RFC 9112 section 6.3 and the chunked decoder, fed exactly the bytes a backend could send.
/// </summary>
public class Http1ResponseSpecs(ITestOutputHelper output)
{
    // ---- helpers --------------------------------------------------------------------------------------------------

    private sealed record Head(string? Error, int Minor, int Status, string Reason, List<(string Name, string Value)> Fields);

    private static Head Read(string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var reader = new Http1ResponseHeadReader(bytes);
        var error = reader.ReadStatusLine(out var minor, out var status, out var reason);
        var reasonText = Encoding.Latin1.GetString(reason);
        var fields = new List<(string, string)>();
        if (error is null)
        {
            while (reader.ReadField(out var name, out var value, out error))
                fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
        }
        return new Head(error, minor, status, reasonText, fields);
    }

    private static string Response(string statusLine, params string[] fields) =>
        statusLine + "\r\n" + string.Concat(fields.Select(f => f + "\r\n")) + "\r\n";

    // The framing of a head as the forwarder decides it: every field observed, then the rules' error or decision.
    private static (ResponseFraming Framing, string? Error) Frame(string head, bool headRequest = false)
    {
        var parsed = Read(head);
        Assert.Null(parsed.Error);
        var rules = new ResponseFramingRules();
        foreach (var (name, value) in parsed.Fields)
            rules.Observe(Encoding.Latin1.GetBytes(name), Encoding.Latin1.GetBytes(value));
        return (rules.Decide(headRequest, parsed.Status, parsed.Minor), rules.Error);
    }

    // ---- the head reader ------------------------------------------------------------------------------------------

    [Fact(DisplayName = "A valid head yields its version, status, reason phrase and every field with trimmed values")]
    public void Valid_head()
    {
        var head = Read(Response("HTTP/1.1 200 Fine Thanks", "Content-Type: text/plain", "X-Empty:", "X-Spaced: \t  a b \t", "set-cookie: a=1", "Set-Cookie: b=2", "X-Tab: a\tb"));
        Assert.Null(head.Error);
        Assert.Equal(1, head.Minor);
        Assert.Equal(200, head.Status);
        Assert.Equal("Fine Thanks", head.Reason);
        Assert.Equal(
            new List<(string, string)> { ("Content-Type", "text/plain"), ("X-Empty", ""), ("X-Spaced", "a b"), ("set-cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Tab", "a\tb") },
            head.Fields);
    }

    [Theory(DisplayName = "Status lines of HTTP/1.0 and HTTP/1.1, with or without a reason phrase, are read")]
    [InlineData("HTTP/1.0 404 Not Found", 0, 404, "Not Found")]
    [InlineData("HTTP/1.1 204", 1, 204, "")]
    [InlineData("HTTP/1.1 204 ", 1, 204, "")]
    [InlineData("HTTP/1.1 103 Early Hints", 1, 103, "Early Hints")]
    [InlineData("HTTP/1.1 599 Whatever It Likes", 1, 599, "Whatever It Likes")]
    public void Valid_status_lines(string line, int minor, int status, string reason)
    {
        var head = Read(Response(line));
        Assert.Null(head.Error);
        Assert.Equal((minor, status, reason), (head.Minor, head.Status, head.Reason));
        Assert.Empty(head.Fields);
    }

    [Theory(DisplayName = "A status line that is not HTTP/1.x SP three-digit status [SP reason] is an error")]
    [InlineData("HTTP/2.0 200 OK")]
    [InlineData("HTTP/1.2 200 OK")]
    [InlineData("HTTP/1.1 20 OK")]
    [InlineData("HTTP/1.1 2000 OK")]
    [InlineData("HTTP/1.1 2OO OK")]
    [InlineData("HTTP/1.1 099 Low")]
    [InlineData("HTTP/1.1200 OK")]
    [InlineData("HTTP/1.1  200 OK")]
    [InlineData("HTTP/1.1 200\tOK")]
    [InlineData("http/1.1 200 OK")]
    [InlineData("ICY 200 OK")]
    [InlineData("HTTP/1.1 200 O\u0001K")]
    [InlineData("")]
    public void Invalid_status_lines(string line)
    {
        var head = Read(Response(line));
        output.WriteLine($"{line.Replace("\t", "\\t")} -> {head.Error}");
        Assert.NotNull(head.Error);
    }

    [Theory(DisplayName = "A header field that breaks a rule (obs-fold, space before the colon, non-token or empty name, control character in the value) is an error")]
    [InlineData("X-A: a", " folded")]
    [InlineData("X-A: a", "\tfolded")]
    [InlineData("X-A : a")]
    [InlineData("X-A\t: a")]
    [InlineData("X(A): a")]
    [InlineData("X\"A: a")]
    [InlineData("X/A: a")]
    [InlineData("X-\u00e9: a")]
    [InlineData(": a")]
    [InlineData("no colon at all")]
    [InlineData("X-A: a\u0000b")]
    [InlineData("X-A: a\u0007b")]
    [InlineData("X-A: a\rb")]
    [InlineData("X-A: a\nb")]
    [InlineData("X-A: a\u007fb")]
    public void Invalid_fields(params string[] fields)
    {
        var head = Read(Response("HTTP/1.1 200 OK", ["X-Before: ok", .. fields]));
        output.WriteLine($"{string.Join(" | ", fields).Replace("\r", "\\r").Replace("\n", "\\n")} -> {head.Error}");
        Assert.NotNull(head.Error);
    }

    [Fact(DisplayName = "HeadLength finds the end of the head (CRLF CRLF included) only once it has all arrived")]
    public void Head_length()
    {
        var head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
        Assert.Equal(head.Length, Http1ResponseHeadReader.HeadLength(Encoding.Latin1.GetBytes(head + "hi")));
        for (var cut = 0; cut < head.Length; cut++)
            Assert.Equal(-1, Http1ResponseHeadReader.HeadLength(Encoding.Latin1.GetBytes(head[..cut])));
        // Bare LFs never end a head.
        Assert.Equal(-1, Http1ResponseHeadReader.HeadLength("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"u8));
    }

    // ---- framing (RFC 9112 section 6.3) ---------------------------------------------------------------------------

    [Theory(DisplayName = "A response to HEAD, a 1xx, a 204 and a 304 have no body, whatever their framing fields say")]
    [InlineData("HTTP/1.1 200 OK", true)]
    [InlineData("HTTP/1.1 204 No Content", false)]
    [InlineData("HTTP/1.1 304 Not Modified", false)]
    [InlineData("HTTP/1.1 100 Continue", false)]
    [InlineData("HTTP/1.1 103 Early Hints", false)]
    public void Bodiless_responses(string statusLine, bool headRequest)
    {
        foreach (var fields in new[] { Array.Empty<string>(), ["Content-Length: 42"], ["Transfer-Encoding: chunked"] })
        {
            var (framing, error) = Frame(Response(statusLine, fields), headRequest);
            Assert.Null(error);
            Assert.Equal(BodyFraming.None, framing.Kind);
            Assert.True(framing.Reusable, $"{statusLine} with {string.Join(", ", fields)} keeps its connection");
        }
        // A HEAD response keeps the length it announces (the client's to know).
        Assert.Equal(42, Frame(Response(statusLine, "Content-Length: 42"), headRequest).Framing.Length);
    }

    [Theory(DisplayName = "Content-Length frames the body; a list of equal values is one length")]
    [InlineData(0L, "Content-Length: 0")]
    [InlineData(5L, "Content-Length: 5")]
    [InlineData(5L, "Content-Length: 005")]
    [InlineData(5L, "Content-Length: 5, 5")]
    [InlineData(5L, "Content-Length: 5,5")]
    [InlineData(5L, "Content-Length: 5", "content-length: 5")]
    [InlineData(1_000_000_000_000L, "Content-Length: 1000000000000")]
    public void Content_length(long length, params string[] fields)
    {
        var (framing, error) = Frame(Response("HTTP/1.1 200 OK", fields));
        Assert.Null(error);
        Assert.Equal(new ResponseFraming(BodyFraming.ContentLength, length, Reusable: true), framing);
    }

    [Theory(DisplayName = "Conflicting or malformed Content-Length values are an error")]
    [InlineData("Content-Length: 5, 6")]
    [InlineData("Content-Length: 5", "Content-Length: 6")]
    [InlineData("Content-Length: -1")]
    [InlineData("Content-Length: +5")]
    [InlineData("Content-Length: 1e3")]
    [InlineData("Content-Length: 0x10")]
    [InlineData("Content-Length: 5 5")]
    [InlineData("Content-Length: 5,")]
    [InlineData("Content-Length: ")]
    [InlineData("Content-Length: 99999999999999999999")]
    public void Invalid_content_length(params string[] fields)
    {
        var (_, error) = Frame(Response("HTTP/1.1 200 OK", fields));
        output.WriteLine($"{string.Join(" | ", fields)} -> {error}");
        Assert.NotNull(error);
    }

    [Theory(DisplayName = "Transfer-Encoding with chunked as the last coding frames the body as chunked")]
    [InlineData("Transfer-Encoding: chunked")]
    [InlineData("Transfer-Encoding: CHUNKED")]
    [InlineData("Transfer-Encoding: gzip, chunked")]
    [InlineData("Transfer-Encoding: gzip", "Transfer-Encoding: chunked")]
    public void Chunked(params string[] fields)
    {
        var (framing, error) = Frame(Response("HTTP/1.1 200 OK", fields));
        Assert.Null(error);
        Assert.Equal(new ResponseFraming(BodyFraming.Chunked, -1, Reusable: true), framing);
    }

    [Theory(DisplayName = "Transfer-Encoding without chunked last is read until close and the connection is not reused")]
    [InlineData("Transfer-Encoding: gzip")]
    [InlineData("Transfer-Encoding: chunked, gzip")]
    [InlineData("Transfer-Encoding: chunked", "Transfer-Encoding: gzip")]
    [InlineData("Transfer-Encoding: gzip", "Content-Length: 5")]
    public void Not_chunked_last(params string[] fields)
    {
        var (framing, error) = Frame(Response("HTTP/1.1 200 OK", fields));
        Assert.Null(error);
        Assert.Equal(BodyFraming.UntilClose, framing.Kind);
        Assert.False(framing.Reusable);
    }

    [Theory(DisplayName = "Transfer-Encoding overrides Content-Length, and such a response's connection is closed after it")]
    [InlineData("Transfer-Encoding: chunked", "Content-Length: 5")]
    [InlineData("Content-Length: 5", "Transfer-Encoding: chunked")]
    public void Transfer_encoding_and_content_length(params string[] fields)
    {
        var (framing, error) = Frame(Response("HTTP/1.1 200 OK", fields));
        Assert.Null(error);
        Assert.Equal(BodyFraming.Chunked, framing.Kind);
        Assert.False(framing.Reusable);
    }

    [Fact(DisplayName = "Without length or chunked coding the body runs until close and the connection is not reused")]
    public void Until_close()
    {
        Assert.Equal(new ResponseFraming(BodyFraming.UntilClose, -1, false), Frame(Response("HTTP/1.1 200 OK", "Content-Type: text/plain")).Framing);
        Assert.Equal(new ResponseFraming(BodyFraming.UntilClose, -1, false), Frame(Response("HTTP/1.0 200 OK", "Connection: keep-alive")).Framing);
    }

    [Theory(DisplayName = "Connection: close, or HTTP/1.0 without keep-alive, makes the connection not reusable")]
    [InlineData("HTTP/1.1 200 OK", false, "Content-Length: 5", "Connection: close")]
    [InlineData("HTTP/1.1 200 OK", false, "Content-Length: 5", "Connection: Keep-Alive, Close")]
    [InlineData("HTTP/1.1 200 OK", false, "Content-Length: 5", "Connection: keep-alive", "Connection: close")]
    [InlineData("HTTP/1.1 200 OK", true, "Content-Length: 5", "Connection: keep-alive")]
    [InlineData("HTTP/1.1 200 OK", true, "Content-Length: 5", "Connection: closed")]
    [InlineData("HTTP/1.0 200 OK", false, "Content-Length: 5")]
    [InlineData("HTTP/1.0 200 OK", true, "Content-Length: 5", "Connection: keep-alive")]
    [InlineData("HTTP/1.0 200 OK", true, "Content-Length: 5", "Connection: Keep-Alive")]
    [InlineData("HTTP/1.0 200 OK", false, "Content-Length: 5", "Connection: keep-alive, close")]
    [InlineData("HTTP/1.0 204 No Content", false)]
    [InlineData("HTTP/1.1 204 No Content", false, "Connection: close")]
    public void Persistence(string statusLine, bool reusable, params string[] fields)
    {
        var (framing, error) = Frame(Response(statusLine, fields));
        Assert.Null(error);
        Assert.Equal(reusable, framing.Reusable);
    }

    [Fact(DisplayName = "An HTTP/1.0 response with Transfer-Encoding has faulty framing: its connection is never reused (RFC 9112 section 6.1)")]
    public void Http10_transfer_encoding_is_not_reusable()
    {
        var (framing, error) = Frame(Response("HTTP/1.0 200 OK", "Transfer-Encoding: chunked", "Connection: keep-alive"));
        output.WriteLine($"{framing}, error {error ?? "none"}");
        Assert.False(error is null && framing.Reusable, "an HTTP/1.0 message with Transfer-Encoding must be closed after it (or refused)");
    }

    [Fact(DisplayName = "Observe claims exactly the framing and connection fields (they are not passed on as headers)")]
    public void Observe_claims_framing_fields()
    {
        var rules = new ResponseFramingRules();
        foreach (var name in new[] { "Content-Length", "content-length", "Transfer-Encoding", "Connection", "Keep-Alive", "KEEP-ALIVE" })
            Assert.True(rules.Observe(Encoding.ASCII.GetBytes(name), "0"u8), name);
        foreach (var name in new[] { "Content-Type", "Set-Cookie", "Content-Length2", "X-Connection", "Trailer", "Date" })
            Assert.False(rules.Observe(Encoding.ASCII.GetBytes(name), "x"u8), name);
    }

    // ---- the chunked decoder --------------------------------------------------------------------------------------

    private sealed record Decoded(byte[] Data, List<string> Trailers, string? Error, int Consumed, bool Done);

    // Feeds the input in the given pieces as the forwarder does: what the decoder did not consume is handed back first
    // with the next piece. Consumed counts the input bytes used up to Done (or the error).
    private static Decoded Decode(byte[] input, IEnumerable<int> pieceLengths)
    {
        var decoder = new ChunkedDecoder();
        var data = new MemoryStream();
        var trailers = new List<string>();
        var pending = new List<byte>();
        var consumedTotal = 0;
        var offset = 0;
        foreach (var length in pieceLengths.Append(int.MaxValue))
        {
            var take = Math.Min(length, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, take));
            offset += take;
            while (true)
            {
                var buffer = pending.ToArray();
                var step = decoder.Next(buffer, out var consumed, out var range);
                Assert.InRange(consumed, 0, buffer.Length);
                if (step == ChunkStep.Data)
                    data.Write(buffer.AsSpan()[range]);
                else if (step == ChunkStep.Trailer)
                    trailers.Add(Encoding.Latin1.GetString(buffer.AsSpan()[range]));
                pending.RemoveRange(0, consumed);
                consumedTotal += consumed;
                if (step == ChunkStep.Done)
                {
                    Assert.True(decoder.IsDone);
                    return new Decoded(data.ToArray(), trailers, null, consumedTotal, true);
                }
                if (step == ChunkStep.Invalid)
                {
                    Assert.NotNull(decoder.Error);
                    return new Decoded(data.ToArray(), trailers, decoder.Error, consumedTotal, false);
                }
                if (step == ChunkStep.NeedMore)
                    break;
            }
            if (offset == input.Length && take == 0)
                break;
        }
        return new Decoded(data.ToArray(), trailers, null, consumedTotal, false);
    }

    private static Decoded DecodeWhole(string input) => Decode(Encoding.Latin1.GetBytes(input), [int.MaxValue]);

    private static readonly byte[] SampleData = Enumerable.Range(0, 300).Select(i => (byte)(i * 7 + 3)).ToArray();

    // A chunked body of SampleData in chunks of 1, 0x1a, 0x100 and the rest, with extensions and two trailers, followed
    // by bytes that belong to no body (the decoder must stop before them).
    private static byte[] SampleBody(out int bodyLength)
    {
        var body = new MemoryStream();
        void Text(string s) => body.Write(Encoding.Latin1.GetBytes(s));
        Text("1\r\n");
        body.Write(SampleData, 0, 1);
        Text("\r\n1A;name=value;flag\r\n");
        body.Write(SampleData, 1, 0x1a);
        Text("\r\n100 ; quoted=\"a;b\"\r\n");
        body.Write(SampleData, 0x1b, 0x100);
        Text($"\r\n{SampleData.Length - 0x11b:x}\r\n");
        body.Write(SampleData, 0x11b, SampleData.Length - 0x11b);
        Text("\r\n0;last=1\r\nX-Checksum: abc\r\nX-Other:  2 \r\n\r\n");
        bodyLength = (int)body.Length;
        Text("HTTP/1.1 200 OK\r\n");
        return body.ToArray();
    }

    private static readonly string[] SampleTrailers = ["X-Checksum: abc", "X-Other:  2 "];

    [Fact(DisplayName = "Chunked data, extensions and trailers decode the same when the body arrives whole")]
    public void Chunked_whole()
    {
        var input = SampleBody(out var bodyLength);
        var decoded = Decode(input, [int.MaxValue]);
        Assert.Null(decoded.Error);
        Assert.True(decoded.Done);
        Assert.Equal(SampleData, decoded.Data);
        Assert.Equal(SampleTrailers, decoded.Trailers);
        Assert.Equal(bodyLength, decoded.Consumed);
    }

    [Fact(DisplayName = "Chunked decoding gives the same data and trailers when the body is split at any one byte boundary")]
    public void Chunked_split_at_every_boundary()
    {
        var input = SampleBody(out var bodyLength);
        for (var split = 0; split <= input.Length; split++)
        {
            var decoded = Decode(input, [split]);
            Assert.True(decoded.Done && decoded.Error is null, $"split at {split}: {decoded.Error ?? "not done"}");
            Assert.Equal(SampleData, decoded.Data);
            Assert.Equal(SampleTrailers, decoded.Trailers);
            Assert.Equal(bodyLength, decoded.Consumed);
        }
    }

    [Fact(DisplayName = "Chunked decoding gives the same data and trailers fed one byte at a time")]
    public void Chunked_one_byte_at_a_time()
    {
        var input = SampleBody(out var bodyLength);
        var decoded = Decode(input, Enumerable.Repeat(1, input.Length));
        Assert.Null(decoded.Error);
        Assert.True(decoded.Done);
        Assert.Equal(SampleData, decoded.Data);
        Assert.Equal(SampleTrailers, decoded.Trailers);
        Assert.Equal(bodyLength, decoded.Consumed);
    }

    [Fact(DisplayName = "Chunked decoding gives the same data and trailers over random splits")]
    public void Chunked_random_splits()
    {
        var input = SampleBody(out var bodyLength);
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var pieces = new List<int>();
            for (var total = 0; total < input.Length;)
            {
                var piece = random.Next(0, 12) == 0 ? random.Next(50, 200) : random.Next(0, 8);
                pieces.Add(piece);
                total += piece;
            }
            var decoded = Decode(input, pieces);
            Assert.True(decoded.Done && decoded.Error is null, $"seed {seed}: {decoded.Error ?? "not done"}");
            Assert.Equal(SampleData, decoded.Data);
            Assert.Equal(SampleTrailers, decoded.Trailers);
            Assert.Equal(bodyLength, decoded.Consumed);
        }
    }

    [Theory(DisplayName = "Chunk sizes are hexadecimal in either case; an empty body is just the last chunk")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("00000a\r\n0123456789\r\n000\r\n\r\n", "0123456789")]
    [InlineData("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", "abcdefg")]
    [InlineData("0\r\n\r\n", "")]
    public void Chunk_sizes(string body, string data)
    {
        var decoded = DecodeWhole(body);
        Assert.Null(decoded.Error);
        Assert.True(decoded.Done);
        Assert.Equal(data, Encoding.Latin1.GetString(decoded.Data));
        Assert.Empty(decoded.Trailers);
    }

    [Theory(DisplayName = "An invalid chunk size is an error: 0x5, -1, +5, a leading space, empty, not hex, too many digits")]
    [InlineData("0x5\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("-1\r\na\r\n0\r\n\r\n")]
    [InlineData("+5\r\nabcde\r\n0\r\n\r\n")]
    [InlineData(" 5\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("\r\nabcde\r\n0\r\n\r\n")]
    [InlineData(";ext\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("g\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("fffffffffffffffff\r\nabcde\r\n0\r\n\r\n")]
    [InlineData("5;a\u0001b\r\nabcde\r\n0\r\n\r\n")]
    public void Invalid_chunk_sizes(string body)
    {
        var decoded = DecodeWhole(body);
        output.WriteLine($"{body.Replace("\r", "\\r").Replace("\n", "\\n")} -> {decoded.Error}");
        Assert.NotNull(decoded.Error);
        Assert.False(decoded.Done);
        Assert.Empty(decoded.Data);
    }

    [Theory(DisplayName = "Chunk data not followed by CRLF is an error (no bare LF, no extra byte)")]
    [InlineData("5\r\nabcdeX\r\n0\r\n\r\n")]
    [InlineData("5\r\nabcde\n0\r\n\r\n")]
    [InlineData("5\r\nabcde\r0\r\n\r\n")]
    [InlineData("5\r\nabcd\r\n0\r\n\r\n")]
    public void Missing_crlf_after_data(string body)
    {
        var decoded = DecodeWhole(body);
        Assert.Equal("chunk data not followed by CRLF", decoded.Error);
        // Also when the bytes after the data arrive one at a time.
        Assert.Equal("chunk data not followed by CRLF", Decode(Encoding.Latin1.GetBytes(body), Enumerable.Repeat(1, body.Length)).Error);
    }

    [Fact(DisplayName = "A chunk-size line over MaxLineLength is an error, whether or not its CRLF has arrived")]
    public void Over_long_size_line()
    {
        var line = "5;" + new string('x', ChunkedDecoder.MaxLineLength - 1); // MaxLineLength + 1 bytes
        var body = line + "\r\nabcde\r\n0\r\n\r\n";
        Assert.Equal("chunk-size line too long", DecodeWhole(body).Error);
        Assert.Equal("chunk-size line too long", DecodeWhole(line + "x").Error);
        Assert.Equal("chunk-size line too long", Decode(Encoding.Latin1.GetBytes(body), Enumerable.Repeat(512, 20)).Error);
        // A trailer line likewise.
        Assert.Equal("trailer line too long", DecodeWhole("0\r\nX-Long: " + new string('t', ChunkedDecoder.MaxLineLength) + "\r\n\r\n").Error);
    }

    [Fact(DisplayName = "A chunk-size line of exactly MaxLineLength bytes is accepted however its bytes are split")]
    public void Longest_size_line_is_accepted_at_any_split()
    {
        var line = "5;" + new string('x', ChunkedDecoder.MaxLineLength - 2); // exactly MaxLineLength bytes
        var body = Encoding.Latin1.GetBytes(line + "\r\nabcde\r\n0\r\n\r\n");
        var whole = Decode(body, [int.MaxValue]);
        Assert.True(whole.Done, whole.Error);
        Assert.Equal("abcde", Encoding.Latin1.GetString(whole.Data));
        var failures = new List<string>();
        foreach (var split in new[] { line.Length - 1, line.Length, line.Length + 1, line.Length + 2 })
        {
            var decoded = Decode(body, [split]);
            if (!decoded.Done)
                failures.Add($"split at {split} (line {line.Length} bytes): {decoded.Error}");
        }
        Assert.True(failures.Count == 0, "the same bytes were refused depending on how they arrived: " + string.Join("; ", failures));
    }

    [Fact(DisplayName = "Trailer fields come back line by line, and decoding stops at the empty line that ends them")]
    public void Trailers_and_end()
    {
        var decoded = DecodeWhole("2\r\nhi\r\n0\r\nExpires: never\r\nX-A: 1\r\n\r\nNEXT");
        Assert.True(decoded.Done);
        Assert.Equal("hi", Encoding.Latin1.GetString(decoded.Data));
        Assert.Equal(new[] { "Expires: never", "X-A: 1" }, decoded.Trailers);
        Assert.Equal("2\r\nhi\r\n0\r\nExpires: never\r\nX-A: 1\r\n\r\n".Length, decoded.Consumed);
    }

    [Fact(DisplayName = "A body that ends before the last chunk needs more input; it is neither done nor an error")]
    public void Truncated_body_needs_more()
    {
        foreach (var partial in new[] { "", "5", "5\r", "5\r\nabc", "5\r\nabcde\r", "5\r\nabcde\r\n0\r\n", "5\r\nabcde\r\n0\r\nX-A: 1\r\n" })
        {
            var decoded = DecodeWhole(partial);
            Assert.False(decoded.Done, partial);
            Assert.Null(decoded.Error);
        }
    }
}
