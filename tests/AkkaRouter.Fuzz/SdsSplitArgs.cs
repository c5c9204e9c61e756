namespace AkkaRouter.Fuzz;

/// <summary>
/// Redis's sdssplitargs (sds.c) transcribed statement by statement over a NUL-terminated copy of the line: the oracle the
/// inline target holds the router's splitter to. Null means Redis rejects the line (unbalanced quotes).
/// </summary>
internal static class SdsSplitArgs
{
    public static List<byte[]>? Split(ReadOnlySpan<byte> text)
    {
        // C strings end at NUL; the copy's terminator stands in for it.
        var line = new byte[text.Length + 1];
        text.CopyTo(line);
        var p = 0;
        var vector = new List<byte[]>();
        while (true)
        {
            while (line[p] != 0 && IsSpace(line[p]))
            {
                p++;
            }

            if (line[p] == 0)
            {
                return vector;
            }

            var inq = false;
            var insq = false;
            var done = false;
            var current = new List<byte>();
            while (!done)
            {
                if (inq)
                {
                    if (line[p] == '\\' && line[p + 1] == 'x' && IsHexDigit(line[p + 2]) && IsHexDigit(line[p + 3]))
                    {
                        current.Add((byte)((HexDigitToInt(line[p + 2]) * 16) + HexDigitToInt(line[p + 3])));
                        p += 3;
                    }
                    else if (line[p] == '\\' && line[p + 1] != 0)
                    {
                        p++;
                        current.Add(line[p] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            var c => c,
                        });
                    }
                    else if (line[p] == '"')
                    {
                        // The closing quote must be followed by a space or nothing at all.
                        if (line[p + 1] != 0 && !IsSpace(line[p + 1]))
                        {
                            return null;
                        }

                        done = true;
                    }
                    else if (line[p] == 0)
                    {
                        return null;
                    }
                    else
                    {
                        current.Add(line[p]);
                    }
                }
                else if (insq)
                {
                    if (line[p] == '\\' && line[p + 1] == '\'')
                    {
                        p++;
                        current.Add((byte)'\'');
                    }
                    else if (line[p] == '\'')
                    {
                        if (line[p + 1] != 0 && !IsSpace(line[p + 1]))
                        {
                            return null;
                        }

                        done = true;
                    }
                    else if (line[p] == 0)
                    {
                        return null;
                    }
                    else
                    {
                        current.Add(line[p]);
                    }
                }
                else
                {
                    switch (line[p])
                    {
                        case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or 0:
                            done = true;
                            break;
                        case (byte)'"':
                            inq = true;
                            break;
                        case (byte)'\'':
                            insq = true;
                            break;
                        default:
                            current.Add(line[p]);
                            break;
                    }
                }

                if (line[p] != 0)
                {
                    p++;
                }
            }

            vector.Add([.. current]);
        }
    }

    // isspace in the "C" locale.
    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r';

    private static bool IsHexDigit(byte c) => c is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexDigitToInt(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
