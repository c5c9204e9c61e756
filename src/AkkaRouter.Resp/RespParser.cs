namespace AkkaRouter.Resp;

/// <summary>Parses Redis requests (multibulk and inline) straight out of a connection's receive buffer.</summary>
/// <remarks>
/// Stateless between calls, so one instance can serve every connection: after <see cref="RespParseStatus.Incomplete"/>
/// the caller keeps the unconsumed bytes, appends the next read and parses again from the start of the unfinished
/// command; limits bound how much that can ever be (<see cref="RespLimits.MaxBufferedBytes"/>). Error texts and edge
/// cases follow Redis's networking.c.
/// </remarks>
public sealed class RespParser
{
    /// <summary>A parser with <see cref="RespLimits.Default"/>.</summary>
    public RespParser()
        : this(RespLimits.Default)
    {
    }

    /// <summary>A parser enforcing <paramref name="limits"/>.</summary>
    public RespParser(RespLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        Limits = limits;
    }

    /// <summary>The limits this parser enforces.</summary>
    public RespLimits Limits { get; }

    /// <summary>Parses the first command in <paramref name="buffer"/> into <paramref name="command"/>.</summary>
    /// <param name="buffer">Received bytes not yet consumed; arguments are sliced from it, not copied.</param>
    /// <param name="command">Receives the arguments, or <see cref="RespCommand.Error"/> on a protocol error.</param>
    /// <param name="consumed">
    /// Bytes to drop from the front of <paramref name="buffer"/>, whatever the status: empty commands
    /// (<c>*0</c>, <c>*-1</c>, blank inline lines) are skipped silently like Redis does, even when the command after
    /// them is still incomplete.
    /// </param>
    public RespParseStatus TryParse(ReadOnlyMemory<byte> buffer, RespCommand command, out int consumed)
    {
        ArgumentNullException.ThrowIfNull(command);
        var span = buffer.Span;
        consumed = 0;
        while (consumed < span.Length)
        {
            command.Reset(buffer);
            var error = span[consumed] == (byte)'*'
                ? ParseMultibulk(span, consumed, command, out var end)
                : ParseInline(span, consumed, command, out end);
            if (error is not null)
            {
                command.Fail(error);
                return RespParseStatus.Error;
            }

            if (end < 0)
            {
                break;
            }

            consumed = end;
            if (command.Count > 0)
            {
                return RespParseStatus.Complete;
            }
        }

        command.Reset(buffer);
        return RespParseStatus.Incomplete;
    }

    /// <summary>Parses <c>*N\r\n</c> then N times <c>$len\r\nbytes\r\n</c>; <paramref name="end"/> is -1 if incomplete.</summary>
    private RespProtocolError? ParseMultibulk(ReadOnlySpan<byte> span, int start, RespCommand command, out int end)
    {
        end = -1;
        if (!TryFindHeaderLine(
                span, start, RespProtocolError.TooBigMultibulkCount, RespProtocolError.InvalidMultibulkLength,
                out var lineEnd, out var error))
        {
            return error;
        }

        if (!RespNumber.TryParseInt64(span[(start + 1)..lineEnd], out var count) || count > Limits.MaxArguments)
        {
            return RespProtocolError.InvalidMultibulkLength;
        }

        var position = lineEnd + 2;
        for (var i = 0; i < count; i++)
        {
            if (position == span.Length)
            {
                return null;
            }

            // Redis only looks at this byte once the header line is complete; checking it as soon as it arrives
            // gives the same answer earlier.
            if (span[position] != (byte)'$')
            {
                return RespProtocolError.ExpectedDollar(span[position]);
            }

            if (!TryFindHeaderLine(
                    span, position, RespProtocolError.TooBigBulkCount, RespProtocolError.InvalidBulkLength,
                    out lineEnd, out error))
            {
                return error;
            }

            var payload = lineEnd + 2;
            if (!RespNumber.TryParseInt64(span[(position + 1)..lineEnd], out var length)
                || length < 0
                || length > Limits.MaxBulkLength
                || payload - start + length + 2 > Limits.MaxMultibulkLength)
            {
                return RespProtocolError.InvalidBulkLength;
            }

            if (length > span.Length - payload)
            {
                return null;
            }

            var terminator = payload + (int)length;
            if (!HasCrLf(span, terminator, out var available))
            {
                // Redis skips the two bytes after a bulk unchecked; anything but CRLF there means the declared
                // length is wrong, so we reject it instead of misreading the rest of the stream.
                return available ? RespProtocolError.InvalidBulkLength : null;
            }

            command.AddArgument(payload, (int)length);
            position = terminator + 2;
        }

        end = position;
        return null;
    }

    /// <summary>Parses one line of space-separated words; <paramref name="end"/> is -1 when incomplete.</summary>
    private RespProtocolError? ParseInline(ReadOnlySpan<byte> span, int start, RespCommand command, out int end)
    {
        end = -1;
        var max = Limits.MaxInlineLength;
        var rest = span[start..];
        var newline = rest[..Math.Min(rest.Length, max + 2)].IndexOfAny((byte)'\n', (byte)0);
        if (newline >= 0 && rest[newline] == 0)
        {
            // Redis finds the end of an inline line with strchr, which stops at a NUL: a NUL before the newline hides
            // it, so the request stays incomplete until it outgrows the limit below, as Redis answers it.
            newline = -1;
        }

        if (newline < 0)
        {
            // A trailing CR may still be the first half of the line's CRLF, so it does not count against the limit.
            var pending = rest.Length - (rest[^1] == (byte)'\r' ? 1 : 0);
            return pending > max ? RespProtocolError.TooBigInlineRequest : null;
        }

        // Like Redis, a bare LF ends a line too; a CR just before it is part of the terminator.
        var lineLength = newline > 0 && rest[newline - 1] == (byte)'\r' ? newline - 1 : newline;
        if (lineLength > max)
        {
            return RespProtocolError.TooBigInlineRequest;
        }

        var error = RespInlineSplitter.Split(rest[..lineLength], start, command, Limits.MaxArguments);
        if (error is null)
        {
            end = start + newline + 1;
        }

        return error;
    }

    /// <summary>
    /// Finds the CRLF ending the <c>*</c> or <c>$</c> header line that starts at <paramref name="lineStart"/>; false
    /// with a null <paramref name="error"/> when it has not fully arrived yet.
    /// </summary>
    private bool TryFindHeaderLine(
        ReadOnlySpan<byte> span, int lineStart, RespProtocolError tooLong, RespProtocolError malformed,
        out int lineEnd, out RespProtocolError? error)
    {
        error = null;
        var rest = span[lineStart..];
        var max = Limits.MaxInlineLength;
        lineEnd = rest[..Math.Min(rest.Length, max + 1)].IndexOf((byte)'\r');
        if (lineEnd < 0)
        {
            // Same rule and text as Redis: no CR within PROTO_INLINE_MAX_SIZE bytes means the count is garbage.
            error = rest.Length > max ? tooLong : null;
            return false;
        }

        lineEnd += lineStart;
        if (!HasCrLf(span, lineEnd, out var available))
        {
            // Redis skips the byte after the CR unchecked; we insist on LF so garbage cannot pass as a header.
            error = available ? malformed : null;
            return false;
        }

        return true;
    }

    /// <summary>True when CRLF sits at <paramref name="index"/>; <paramref name="available"/> says if enough arrived to tell.</summary>
    private static bool HasCrLf(ReadOnlySpan<byte> span, int index, out bool available)
    {
        // Judge each byte as soon as it is there, so a wrong terminator fails before the next read.
        available = (index < span.Length && span[index] != (byte)'\r') || index + 1 < span.Length;
        return index + 1 < span.Length && span[index] == (byte)'\r' && span[index + 1] == (byte)'\n';
    }
}
