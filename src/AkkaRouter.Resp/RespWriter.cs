using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace AkkaRouter.Resp;

/// <summary>Encodes replies straight into an output buffer, choosing RESP2 or RESP3 forms per <see cref="Protocol"/>.</summary>
/// <remarks>
/// Nothing is flushed here: a connection writes every reply of a receive buffer, then sends the output once.
/// An <see cref="ArrayBufferWriter{T}"/> reused with <c>ResetWrittenCount</c> makes the whole path allocation-free.
/// </remarks>
public sealed class RespWriter
{
    // Payloads up to this size go out with their header and CRLF in one GetSpan/Advance pair.
    private const int SingleSpanLimit = 4096;

    // Sign, 19 digits and room for the prefix byte and CRLF.
    private const int MaxHeaderLength = 24;

    private readonly IBufferWriter<byte> _output;

    /// <summary>A writer appending to <paramref name="output"/>.</summary>
    public RespWriter(IBufferWriter<byte> output, RespProtocol protocol = RespProtocol.Resp2)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        Protocol = protocol;
    }

    /// <summary>The encoding for replies whose RESP2 and RESP3 forms differ; HELLO may change it mid-connection.</summary>
    public RespProtocol Protocol { get; set; }

    /// <summary>Error replies written so far (top-level <c>-</c> replies), so a server can count failed commands.</summary>
    public long ErrorCount { get; private set; }

    private bool IsResp3 => Protocol == RespProtocol.Resp3;

    /// <summary>Copies an already encoded reply, e.g. one of <see cref="RespLiterals"/> or <see cref="RespProtocolError.Reply"/>.</summary>
    public void Raw(ReadOnlySpan<byte> reply)
    {
        if (!reply.IsEmpty && reply[0] == (byte)'-')
            ErrorCount++;
        _output.Write(reply);
    }

    /// <summary><c>+text\r\n</c>; CR and LF inside the text become spaces so the reply stays one line.</summary>
    public void SimpleString(ReadOnlySpan<byte> text) => Line((byte)'+', text);

    /// <summary><c>-message\r\n</c>; the message starts with its code, e.g. "ERR unknown command". CR/LF become spaces.</summary>
    public void Error(ReadOnlySpan<byte> message)
    {
        ErrorCount++;
        Line((byte)'-', message);
    }

    /// <summary>As <see cref="Error(ReadOnlySpan{byte})"/> for a message built at run time (rare paths), UTF-8 encoded.</summary>
    public void Error(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ErrorCount++;
        var length = Encoding.UTF8.GetByteCount(message);
        var span = _output.GetSpan(length + 3);
        span[0] = (byte)'-';
        var text = span.Slice(1, Encoding.UTF8.GetBytes(message, span[1..]));
        Finish(span, ToSingleLine(text).Length + 1);
    }

    /// <summary><c>:n\r\n</c></summary>
    public void Integer(long value) => Header((byte)':', value);

    /// <summary><c>$len\r\nbytes\r\n</c>, binary safe.</summary>
    public void BulkString(ReadOnlySpan<byte> value)
    {
        if (value.Length <= SingleSpanLimit)
        {
            var span = _output.GetSpan(MaxHeaderLength + value.Length + 2);
            var header = FormatHeader(span, (byte)'$', value.Length);
            value.CopyTo(span[header..]);
            Finish(span, header + value.Length);
            return;
        }

        Header((byte)'$', value.Length);
        _output.Write(value);
        _output.Write("\r\n"u8);
    }

    /// <summary>As <see cref="BulkString(ReadOnlySpan{byte})"/> for text built at run time (rare paths), UTF-8 encoded.</summary>
    public void BulkString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        var span = _output.GetSpan(MaxHeaderLength + length + 2);
        var header = FormatHeader(span, (byte)'$', length);
        Finish(span, header + Encoding.UTF8.GetBytes(value, span[header..]));
    }

    /// <summary>A missing value: RESP2 null bulk string <c>$-1\r\n</c>, RESP3 <c>_\r\n</c>.</summary>
    public void Null() => Raw(IsResp3 ? "_\r\n"u8 : "$-1\r\n"u8);

    /// <summary>A missing array: RESP2 <c>*-1\r\n</c>, RESP3 <c>_\r\n</c> (RESP3 has a single null).</summary>
    public void NullArray() => Raw(IsResp3 ? "_\r\n"u8 : "*-1\r\n"u8);

    /// <summary><c>*n\r\n</c>; the n elements follow as further writes.</summary>
    public void ArrayHeader(int count) => Header((byte)'*', count);

    /// <summary>RESP3 <c>%n\r\n</c> followed by n key/value pairs; RESP2 flattens it to an array of 2n elements.</summary>
    public void MapHeader(int pairs)
    {
        if (IsResp3)
        {
            Header((byte)'%', pairs);
        }
        else
        {
            Header((byte)'*', 2L * pairs);
        }
    }

    /// <summary>RESP3 <c>~n\r\n</c>; RESP2 <c>*n\r\n</c>.</summary>
    public void SetHeader(int count) => Header(IsResp3 ? (byte)'~' : (byte)'*', count);

    /// <summary>Out-of-band push: RESP3 <c>&gt;n\r\n</c>; RESP2 <c>*n\r\n</c>, as Redis sends pub/sub messages.</summary>
    public void PushHeader(int count) => Header(IsResp3 ? (byte)'>' : (byte)'*', count);

    /// <summary>RESP3 <c>#t\r\n</c>/<c>#f\r\n</c>; RESP2 <c>:1\r\n</c>/<c>:0\r\n</c>.</summary>
    public void Boolean(bool value) =>
        Raw(IsResp3 ? (value ? "#t\r\n"u8 : "#f\r\n"u8) : (value ? RespLiterals.One : RespLiterals.Zero));

    /// <summary>RESP3 <c>,text\r\n</c>; RESP2 the same text as a bulk string. Text follows Redis's d2string.</summary>
    public void Double(double value)
    {
        Span<byte> text = stackalloc byte[32];
        var length = FormatDouble(value, text);
        if (IsResp3)
        {
            Line((byte)',', text[..length]);
        }
        else
        {
            BulkString(text[..length]);
        }
    }

    /// <summary>Human-readable text: RESP3 <c>=len\r\ntxt:text\r\n</c>; RESP2 a bulk string of the text alone.</summary>
    public void VerbatimString(ReadOnlySpan<byte> text) => VerbatimString(text, "txt"u8);

    /// <summary>
    /// As <see cref="VerbatimString(ReadOnlySpan{byte})"/> with a format such as "mkd"; like Redis the format is cut or
    /// space-padded to exactly three bytes.
    /// </summary>
    public void VerbatimString(ReadOnlySpan<byte> text, ReadOnlySpan<byte> format)
    {
        if (!IsResp3)
        {
            BulkString(text);
            return;
        }

        Span<byte> prefix = stackalloc byte[4];
        prefix.Fill((byte)' ');
        format[..Math.Min(format.Length, 3)].CopyTo(prefix);
        prefix[3] = (byte)':';
        Header((byte)'=', text.Length + 4L);
        _output.Write(prefix);
        _output.Write(text);
        _output.Write("\r\n"u8);
    }

    private void Header(byte prefix, long value)
    {
        var span = _output.GetSpan(MaxHeaderLength);
        _output.Advance(FormatHeader(span, prefix, value));
    }

    private void Line(byte prefix, ReadOnlySpan<byte> text)
    {
        var span = _output.GetSpan(text.Length + 3);
        span[0] = prefix;
        text.CopyTo(span[1..]);
        ToSingleLine(span.Slice(1, text.Length));
        Finish(span, text.Length + 1);
    }

    /// <summary>Writes CRLF at <paramref name="length"/> and commits the span up to it.</summary>
    private void Finish(Span<byte> span, int length)
    {
        span[length] = (byte)'\r';
        span[length + 1] = (byte)'\n';
        _output.Advance(length + 2);
    }

    /// <summary>Formats <c>prefix value CRLF</c> and returns its length.</summary>
    private static int FormatHeader(Span<byte> span, byte prefix, long value)
    {
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out var digits);
        span[digits + 1] = (byte)'\r';
        span[digits + 2] = (byte)'\n';
        return digits + 3;
    }

    private static Span<byte> ToSingleLine(Span<byte> text)
    {
        text.Replace((byte)'\r', (byte)' ');
        text.Replace((byte)'\n', (byte)' ');
        return text;
    }

    /// <summary>Formats like Redis's d2string: nan, inf, -inf, -0, integers without a fraction, else shortest round-trip.</summary>
    private static int FormatDouble(double value, Span<byte> text)
    {
        // Redis's double2ll prints integral values within ±LLONG_MAX/2 as plain integers.
        const double IntegerLimit = long.MaxValue / 2;
        ReadOnlySpan<byte> special =
            double.IsNaN(value) ? "nan"u8
            : double.IsPositiveInfinity(value) ? "inf"u8
            : double.IsNegativeInfinity(value) ? "-inf"u8
            : value == 0 && double.IsNegative(value) ? "-0"u8
            : default;
        if (!special.IsEmpty)
        {
            special.CopyTo(text);
            return special.Length;
        }

        int written;
        if (Math.Abs(value) <= IntegerLimit && value == Math.Floor(value))
        {
            Utf8Formatter.TryFormat((long)value, text, out written);
            return written;
        }

        value.TryFormat(text, out written, "R", CultureInfo.InvariantCulture);
        text[..written].Replace((byte)'E', (byte)'e');
        return written;
    }
}
