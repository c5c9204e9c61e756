namespace AkkaRouter.Configuration;

/// <summary>
/// Catches the structural mistakes Akka's HOCON parser silently accepts: unclosed or mismatched
/// braces and brackets, and unterminated strings.
/// </summary>
/// <remarks>
/// Akka's parser reads "a { b = 1" or "a = [1, 2" without complaint and starts a node with a
/// configuration the operator did not write; a node must never start half-configured.
/// </remarks>
public static class HoconSyntaxCheck
{
    /// <summary>Returns null when the structure is sound, else "line N: problem".</summary>
    public static string? FindProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
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
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return $"line {line}: '{c}' without a matching '{expected}'";
                    var (bracket, openedAt) = open.Pop();
                    if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' opened on line {openedAt}";
                    break;
            }
        }
        return open.Count == 0 ? null : $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed";
    }
}
