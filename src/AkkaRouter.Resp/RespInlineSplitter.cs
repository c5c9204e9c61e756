namespace AkkaRouter.Resp;

/// <summary>Splits an inline command line into arguments exactly like Redis's sdssplitargs.</summary>
/// <remarks>
/// Plain words stay zero-copy slices of the line; words with quotes are unescaped into the command's scratch space.
/// Quirks kept on purpose so telnet/nc users see Redis behaviour: a quote may open mid-word (<c>a"b c"</c> is one
/// argument "ab c"), a closing quote must be followed by a blank or the end of the line, and blanks between words
/// include \v and \f (C isspace) although an unquoted word only ends at space, tab, CR or LF.
/// </remarks>
internal static class RespInlineSplitter
{
    /// <summary>Adds the words of <paramref name="line"/> to <paramref name="command"/>; returns the error, or null.</summary>
    public static RespProtocolError? Split(ReadOnlySpan<byte> line, int lineOffset, RespCommand command, int maxArguments)
    {
        // Unescaping never lengthens a word, so one reservation covers the whole line.
        command.ReserveScratch(line.Length);
        var p = 0;
        while (true)
        {
            while (p < line.Length && IsBlank(line[p]))
            {
                p++;
            }

            if (p == line.Length)
            {
                return null;
            }

            if (command.Count == maxArguments)
            {
                return RespProtocolError.TooBigInlineRequest;
            }

            var wordStart = p;
            while (p < line.Length && !EndsPlainWord(line[p]) && line[p] is not ((byte)'"' or (byte)'\''))
            {
                p++;
            }

            if (p == line.Length || EndsPlainWord(line[p]))
            {
                command.AddArgument(lineOffset + wordStart, p - wordStart);
                continue;
            }

            var scratchStart = command.ScratchLength;
            command.AppendScratch(line[wordStart..p]);
            if (!TryUnquote(line, ref p, command))
            {
                return RespProtocolError.UnbalancedQuotes;
            }

            command.AddScratchArgument(scratchStart);
        }
    }

    /// <summary>Appends the quoted section starting at the quote <c>line[p]</c>; false when it is unbalanced.</summary>
    private static bool TryUnquote(ReadOnlySpan<byte> line, ref int p, RespCommand command)
    {
        var doubleQuoted = line[p] == (byte)'"';
        p++;
        while (p < line.Length)
        {
            var c = line[p];
            if (doubleQuoted && c == (byte)'\\' && p + 3 < line.Length && line[p + 1] == (byte)'x'
                && IsHexDigit(line[p + 2]) && IsHexDigit(line[p + 3]))
            {
                command.AppendScratch((byte)((HexValue(line[p + 2]) << 4) | HexValue(line[p + 3])));
                p += 4;
            }
            else if (doubleQuoted && c == (byte)'\\' && p + 1 < line.Length)
            {
                command.AppendScratch(Unescape(line[p + 1]));
                p += 2;
            }
            else if (!doubleQuoted && c == (byte)'\\' && p + 1 < line.Length && line[p + 1] == (byte)'\'')
            {
                // Single quotes only know the \' escape; any other backslash is literal.
                command.AppendScratch((byte)'\'');
                p += 2;
            }
            else if (c == (doubleQuoted ? (byte)'"' : (byte)'\''))
            {
                p++;
                return p == line.Length || IsBlank(line[p]);
            }
            else
            {
                command.AppendScratch(c);
                p++;
            }
        }

        return false;
    }

    // Unknown escapes yield the escaped character itself, as in sdssplitargs ("\q" is "q", "\\" is "\").
    private static byte Unescape(byte c) => c switch
    {
        (byte)'n' => (byte)'\n',
        (byte)'r' => (byte)'\r',
        (byte)'t' => (byte)'\t',
        (byte)'b' => (byte)'\b',
        (byte)'a' => (byte)'\a',
        _ => c,
    };

    // C isspace in the "C" locale.
    private static bool IsBlank(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool EndsPlainWord(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    private static bool IsHexDigit(byte c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
