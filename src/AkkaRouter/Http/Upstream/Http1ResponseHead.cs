using System.Buffers.Text;
using System.Text;

namespace AkkaRouter.Http.Upstream;

/// <summary>How a backend's response body is delimited (RFC 9112 section 6.3).</summary>
public enum BodyFraming
{
    /// <summary>No body: a response to HEAD, or a 1xx, 204 or 304.</summary>
    None,
    /// <summary>Exactly <see cref="ResponseFraming.Length"/> bytes.</summary>
    ContentLength,
    /// <summary>Chunked transfer coding, ending with a zero-size chunk and the trailer section.</summary>
    Chunked,
    /// <summary>Everything until the backend closes the connection (no length, no chunked coding).</summary>
    UntilClose,
}

/// <summary>The framing decision for one response, and whether its connection can carry another request.</summary>
public readonly record struct ResponseFraming(BodyFraming Kind, long Length, bool Reusable);

/// <summary>
/// Reads one HTTP/1.x response head (status line and header fields, ending with an empty line) from a buffer, strictly:
/// CRLF line ends, a token for every field name with the colon right after it, no obs-fold, no control characters in
/// values. Pure: no allocation, no I/O. A head that breaks a rule is an invalid response, which the edge answers with a
/// 502 instead of guessing (what a lenient reader guesses is where response splitting lives).
/// </summary>
public ref struct Http1ResponseHeadReader
{
    private ReadOnlySpan<byte> _rest;

    /// <param name="head">The head up to and including the CRLF CRLF that ends it (see <see cref="HeadLength"/>).</param>
    public Http1ResponseHeadReader(ReadOnlySpan<byte> head) => _rest = head;

    /// <summary>The length of the head at the start of <paramref name="buffer"/> with its final CRLF CRLF, or -1 when it has not all arrived.</summary>
    public static int HeadLength(ReadOnlySpan<byte> buffer)
    {
        var end = buffer.IndexOf("\r\n\r\n"u8);
        return end < 0 ? -1 : end + 4;
    }

    /// <summary>Reads <c>HTTP/1.x SP status [SP reason]</c>; null error on success.</summary>
    public string? ReadStatusLine(out int minorVersion, out int status, out ReadOnlySpan<byte> reason)
    {
        minorVersion = 0;
        status = 0;
        reason = default;
        var end = _rest.IndexOf("\r\n"u8);
        if (end < 0)
            return "no status line";
        var line = _rest[..end];
        _rest = _rest[(end + 2)..];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[7] is not ((byte)'0' or (byte)'1') || line[8] != (byte)' ')
            return "status line is not HTTP/1.0 or HTTP/1.1";
        minorVersion = line[7] - '0';
        var digits = line.Slice(9, 3);
        if (!IsDigit(digits[0]) || !IsDigit(digits[1]) || !IsDigit(digits[2]) || !Utf8Parser.TryParse(digits, out status, out _) || status < 100)
            return "status code is not three digits from 100";
        if (line.Length > 12)
        {
            if (line[12] != (byte)' ')
                return "status code is not three digits from 100";
            reason = line[13..];
            if (HasControl(reason))
                return "control character in the reason phrase";
        }
        return null;
    }

    /// <summary>Reads the next header field. False at the end of the head, or with <paramref name="error"/> set for a field that breaks a rule.</summary>
    public bool ReadField(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out string? error)
    {
        name = value = default;
        error = null;
        var end = _rest.IndexOf("\r\n"u8);
        if (end <= 0)
        {
            _rest = default;
            return false;
        }
        var line = _rest[..end];
        _rest = _rest[(end + 2)..];
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            error = "obsolete line folding in a header field";
            return false;
        }
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            error = "header field without a name and colon";
            return false;
        }
        name = line[..colon];
        if (name.IndexOfAnyExcept(TokenChars) >= 0)
        {
            error = "header field name is not a token";
            return false;
        }
        value = line[(colon + 1)..].Trim(" \t"u8);
        if (HasControl(value))
        {
            error = "control character in a header field value";
            return false;
        }
        return true;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    // CR, LF and NUL included; HTAB allowed (RFC 9110 field-value). One vectorised scan.
    private static bool HasControl(ReadOnlySpan<byte> text) => text.IndexOfAny(ControlChars) >= 0;

    private static readonly System.Buffers.SearchValues<byte> ControlChars = System.Buffers.SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>RFC 9110 tchar: what a field name is made of.</summary>
    internal static readonly System.Buffers.SearchValues<byte> TokenChars =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);
}

/// <summary>
/// Collects the fields that frame a response (Content-Length, Transfer-Encoding, Connection, Keep-Alive) and decides its
/// framing by RFC 9112 section 6.3. Pure.
/// </summary>
public struct ResponseFramingRules
{
    private long _length;
    private bool _hasLength;
    private bool _hasTransferEncoding;
    private bool _chunkedLast;
    private bool _close;
    private bool _keepAlive;

    public ResponseFramingRules() => _length = -1;

    /// <summary>The first framing error seen, if any (conflicting or malformed Content-Length).</summary>
    public string? Error { get; private set; }

    /// <summary>
    /// Looks at one field. True when the field is about this hop's framing or connection and is not passed on to the
    /// client (Content-Length is passed on as the response's length by the caller, through <see cref="ResponseFraming"/>).
    /// </summary>
    public bool Observe(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        switch (name.Length)
        {
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                ObserveLength(value);
                return true;
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                _hasTransferEncoding = true;
                var last = value;
                var comma = value.LastIndexOf((byte)',');
                if (comma >= 0)
                    last = value[(comma + 1)..];
                _chunkedLast = Ascii.EqualsIgnoreCase(last.Trim(" \t"u8), "chunked"u8);
                return true;
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                foreach (var range in value.Split((byte)','))
                {
                    var token = value[range].Trim(" \t"u8);
                    if (Ascii.EqualsIgnoreCase(token, "close"u8))
                        _close = true;
                    else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
                        _keepAlive = true;
                }
                return true;
            case 10 when Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8):
                return true;
            default:
                return false;
        }
    }

    // A list of equal values ("42, 42") is one length (RFC 9110 section 8.6); different or malformed ones are an error.
    private void ObserveLength(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split((byte)','))
        {
            var element = value[range].Trim(" \t"u8);
            if (element.Length == 0 || element.Length > 18 || element.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0
                || !Utf8Parser.TryParse(element, out long length, out _))
            {
                Error ??= "malformed Content-Length";
                return;
            }
            if (_hasLength && length != _length)
            {
                Error ??= "conflicting Content-Length values";
                return;
            }
            _hasLength = true;
            _length = length;
        }
    }

    /// <summary>The framing of a final (non-1xx) response to a request with <paramref name="headRequest"/> set for HEAD.</summary>
    public readonly ResponseFraming Decide(bool headRequest, int status, int minorVersion)
    {
        var persistent = minorVersion == 1 ? !_close : _keepAlive && !_close;
        if (headRequest || status is 204 or 304 || status < 200)
            return new ResponseFraming(BodyFraming.None, _hasLength ? _length : -1, persistent);
        if (_hasTransferEncoding)
        {
            // Transfer-Encoding overrides Content-Length, and a message with both is closed after it (section 6.3 item 3), as is
            // an HTTP/1.0 message with Transfer-Encoding (section 6.1: its framing is faulty).
            return _chunkedLast
                ? new ResponseFraming(BodyFraming.Chunked, -1, persistent && !_hasLength && minorVersion == 1)
                : new ResponseFraming(BodyFraming.UntilClose, -1, false);
        }
        if (_hasLength)
            return new ResponseFraming(BodyFraming.ContentLength, _length, persistent);
        return new ResponseFraming(BodyFraming.UntilClose, -1, false);
    }
}
