namespace AkkaRouter.Resp;

/// <summary>Redis's strict decimal integer syntax (util.c string2ll), shared by length headers and arguments.</summary>
internal static class RespNumber
{
    // string2ll rejects anything with 21+ characters outright (LONG_STR_SIZE), even "-000…".
    private const int MaxChars = 20;

    /// <summary>
    /// Parses like Redis: optional '-', no '+', no blanks, no leading zeros ("0" alone is fine, "-0" is not),
    /// and fails on overflow instead of wrapping.
    /// </summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxChars)
        {
            return false;
        }

        if (text.Length == 1 && text[0] == (byte)'0')
        {
            return true;
        }

        var negative = text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits[0] < (byte)'1' || digits[0] > (byte)'9')
        {
            return false;
        }

        ulong magnitude = 0;
        foreach (var b in digits)
        {
            var digit = (uint)(b - (byte)'0');
            if (digit > 9 || magnitude > (ulong.MaxValue - digit) / 10)
            {
                return false;
            }

            magnitude = (magnitude * 10) + digit;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }

            value = (long)(0 - magnitude);
            return true;
        }

        if (magnitude > long.MaxValue)
        {
            return false;
        }

        value = (long)magnitude;
        return true;
    }
}
