using System.Buffers;

namespace AkkaRouter.Http.Upstream;

/// <summary>What <see cref="ChunkedDecoder.Next"/> found.</summary>
public enum ChunkStep
{
    /// <summary>The input ends inside a chunk-size or trailer line, or is used up: give it more bytes (the unconsumed rest first).</summary>
    NeedMore,
    /// <summary>Chunk data at the range it returned.</summary>
    Data,
    /// <summary>One trailer field line (without its CRLF) at the range it returned.</summary>
    Trailer,
    /// <summary>The last chunk and the trailer section were read: the body is complete.</summary>
    Done,
    /// <summary>The input breaks the chunked coding; <see cref="ChunkedDecoder.Error"/> says how.</summary>
    Invalid,
}

/// <summary>
/// Decodes the chunked transfer coding (RFC 9112 section 7.1) incrementally over whatever bytes have arrived, without
/// copying: data comes back as ranges of the input. Chunk extensions are skipped; trailer fields are handed back line by
/// line. Strict: CRLF line ends, hexadecimal sizes without sign or whitespace before the extension, a size line of at
/// most <see cref="MaxLineLength"/> bytes. Pure.
/// </summary>
public struct ChunkedDecoder
{
    /// <summary>Longest chunk-size line (extensions included) or trailer line accepted.</summary>
    public const int MaxLineLength = 4096;

    private enum State { Size, Data, DataEnd, Trailers, Done }

    private State _state;
    private long _remaining;

    public string? Error { get; private set; }

    /// <summary>True once the whole body, trailers included, has been read.</summary>
    public readonly bool IsDone => _state == State.Done;

    /// <summary>Advances over <paramref name="input"/>; <paramref name="consumed"/> bytes of it are used (the range included).</summary>
    public ChunkStep Next(ReadOnlySpan<byte> input, out int consumed, out Range range)
    {
        consumed = 0;
        range = default;
        while (true)
        {
            var rest = input[consumed..];
            switch (_state)
            {
                case State.Size:
                {
                    var end = LineEnd(rest);
                    if (end < 0)
                        return end == Incomplete ? ChunkStep.NeedMore : Fail("chunk-size line too long");
                    var line = rest[..end];
                    var extension = line.IndexOfAny((byte)';', (byte)' ', (byte)'\t');
                    var digits = extension < 0 ? line : line[..extension];
                    if (digits.Length == 0 || digits.Length > 15 || digits.IndexOfAnyExcept(HexDigits) >= 0)
                        return Fail("chunk size is not a hexadecimal number");
                    if (extension >= 0 && (line[extension..].IndexOfAnyInRange((byte)0, (byte)8) >= 0 || line[extension..].IndexOfAnyInRange((byte)10, (byte)31) >= 0))
                        return Fail("control character in a chunk extension");
                    if (!System.Buffers.Text.Utf8Parser.TryParse(digits, out long size, out _, 'X'))
                        return Fail("chunk size is not a hexadecimal number");
                    _remaining = size;
                    consumed += end + 2;
                    _state = _remaining == 0 ? State.Trailers : State.Data;
                    continue;
                }
                case State.Data:
                {
                    if (rest.Length == 0)
                        return ChunkStep.NeedMore;
                    var take = (int)Math.Min(rest.Length, _remaining);
                    range = new Range(consumed, consumed + take);
                    consumed += take;
                    _remaining -= take;
                    if (_remaining == 0)
                        _state = State.DataEnd;
                    return ChunkStep.Data;
                }
                case State.DataEnd:
                {
                    if (rest.Length < 2)
                        return ChunkStep.NeedMore;
                    if (rest[0] != (byte)'\r' || rest[1] != (byte)'\n')
                        return Fail("chunk data not followed by CRLF");
                    consumed += 2;
                    _state = State.Size;
                    continue;
                }
                case State.Trailers:
                {
                    var end = LineEnd(rest);
                    if (end < 0)
                        return end == Incomplete ? ChunkStep.NeedMore : Fail("trailer line too long");
                    if (end == 0)
                    {
                        consumed += 2;
                        _state = State.Done;
                        return ChunkStep.Done;
                    }
                    range = new Range(consumed, consumed + end);
                    consumed += end + 2;
                    return ChunkStep.Trailer;
                }
                default:
                    return ChunkStep.Done;
            }
        }
    }

    private const int Incomplete = -1, TooLong = -2;

    // Where the line at the start of `rest` ends (its CR), Incomplete while its CRLF has not arrived, or TooLong past
    // MaxLineLength (a CR alone at the limit may still be followed by its LF).
    private static int LineEnd(ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf("\r\n"u8);
        if (end < 0)
            return rest.Length > MaxLineLength + 1 ? TooLong : Incomplete;
        return end > MaxLineLength ? TooLong : end;
    }

    private ChunkStep Fail(string error)
    {
        Error = error;
        return ChunkStep.Invalid;
    }

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);
}
