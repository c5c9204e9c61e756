namespace AkkaRouter.Configuration;

/// <summary>
/// Catches the structural mistakes Akka's HOCON parser silently accepts: unclosed or mismatched
/// braces and brackets, and unterminated strings; and nesting deep enough to overflow its stack.
/// </summary>
/// <remarks>
/// Akka's parser reads "a { b = 1" or "a = [1, 2" without complaint and starts a node with a
/// configuration the operator did not write; a node must never start half-configured. It also recurses
/// once or more per nested object, list and dotted-key segment: some ten thousand levels overflow the
/// stack and kill the process without a word, so nesting is bounded far above any real configuration.
/// </remarks>
public static class HoconSyntaxCheck
{
    /// <summary>Deepest nesting accepted: objects, lists and the segments of dotted keys (a.b.c is 3) together.</summary>
    public const int MaxDepth = 200;

    /// <summary>Returns null when the structure is sound, else "line N: problem".</summary>
    public static string? FindProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line, int Depth)>();
        var line = 1;
        // Segments a dotted key adds beyond its first ("a.b.c" adds 2): only keys nest, so dots in values (1.5s,
        // 10.0.0.1) and in list elements do not count.
        var keyDots = 0;
        var inValue = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var depth = open.Count == 0 ? 0 : open.Peek().Depth;
            switch (c)
            {
                case '\n':
                    line++;
                    keyDots = 0;
                    inValue = false;
                    break;
                case ',':
                    keyDots = 0;
                    inValue = false;
                    break;
                case '=' or ':':
                    inValue = true;
                    break;
                case '.' when !inValue && (open.Count == 0 || open.Peek().Bracket == '{'):
                    if (depth + ++keyDots + 1 > MaxDepth) return TooDeep(line);
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '"' when string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0:
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return $"line {line}: unterminated \"\"\" string";
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    break;
                case '"':
                    i++;
                    while (i < text.Length && text[i] != '"' && text[i] != '\n')
                        i += text[i] == '\\' ? 2 : 1;
                    if (i >= text.Length || text[i] != '"') return $"line {line}: unterminated string";
                    break;
                case '{' or '[':
                    if (depth + keyDots + 1 > MaxDepth) return TooDeep(line);
                    open.Push((c, line, depth + keyDots + 1));
                    keyDots = 0;
                    inValue = false;
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return $"line {line}: '{c}' without a matching '{expected}'";
                    var (bracket, openedAt, _) = open.Pop();
                    if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' opened on line {openedAt}";
                    // What follows on the line still belongs to the value the bracket closed.
                    keyDots = 0;
                    inValue = true;
                    break;
            }
        }
        return open.Count == 0 ? null : $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed";
    }

    private static string TooDeep(int line) =>
        $"line {line}: nested more than {MaxDepth} levels deep (objects, lists and dotted-key segments together)";
}
