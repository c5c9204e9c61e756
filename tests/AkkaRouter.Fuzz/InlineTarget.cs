using AkkaRouter.Resp;

namespace AkkaRouter.Fuzz;

/// <summary>
/// The inline splitter against Redis's own algorithm (<see cref="SdsSplitArgs"/>): same words, same rejections; and the
/// parser, given the same line with CRLF, must agree with both.
/// </summary>
internal static class InlineTarget
{
    private const int MaxArguments = 4096;

    private static readonly RespParser Parser = new();

    public static void Run(byte[] data)
    {
        // The parser hands the splitter one line cut at its first NUL, as Redis's C string would be.
        var nul = Array.IndexOf(data, (byte)0);
        var line = nul < 0 ? data : data[..nul];
        var command = new RespCommand();
        command.Reset(line);
        var error = RespInlineSplitter.Split(line, 0, command, MaxArguments);
        var words = error is null ? Words(command) : null;

        InvariantViolated.Unless(
            error is null || error == RespProtocolError.UnbalancedQuotes || error == RespProtocolError.TooBigInlineRequest,
            $"unexpected error {error}");
        if (words is not null)
        {
            InvariantViolated.Unless(words.Count <= MaxArguments, $"{words.Count} arguments");
            // Unescaping never lengthens a word, and words never overlap.
            InvariantViolated.Unless(words.Sum(w => w.Length) <= line.Length, "the words hold more bytes than the line");
        }

        var expected = SdsSplitArgs.Split(line);
        if (error != RespProtocolError.TooBigInlineRequest)
        {
            InvariantViolated.Unless(
                Same(words, expected),
                $"splitter gave {Show(words)}, Redis gives {Show(expected)}");
        }

        // The parser takes the line as an inline command when it does not start a multibulk and holds no line end.
        if (line.Length > 0 && line[0] != (byte)'*' && Array.IndexOf(line, (byte)'\n') < 0 && line.Length <= Parser.Limits.MaxInlineLength)
        {
            byte[] stream = [.. line, (byte)'\r', (byte)'\n'];
            var parsed = new RespCommand();
            var status = Parser.TryParse(stream, parsed, out var consumed);
            if (expected is null)
            {
                InvariantViolated.Unless(status == RespParseStatus.Error, $"parser answered {status} to unbalanced quotes");
            }
            else if (expected.Count > 0)
            {
                InvariantViolated.Unless(status == RespParseStatus.Complete && consumed == stream.Length, $"parser answered {status} after {consumed} bytes");
                InvariantViolated.Unless(Same(Words(parsed), expected), $"parser gave {Show(Words(parsed))}, Redis gives {Show(expected)}");
            }
            else
            {
                InvariantViolated.Unless(status == RespParseStatus.Incomplete && consumed == stream.Length, "a blank line is not skipped");
            }
        }
    }

    private static List<byte[]> Words(RespCommand command) =>
        Enumerable.Range(0, command.Count).Select(i => command[i].ToArray()).ToList();

    private static bool Same(List<byte[]>? a, List<byte[]>? b) =>
        a is null ? b is null : b is not null && a.Count == b.Count && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    private static string Show(List<byte[]>? words) =>
        words is null ? "an error" : "[" + string.Join(", ", words.Select(Convert.ToHexString)) + "]";
}
