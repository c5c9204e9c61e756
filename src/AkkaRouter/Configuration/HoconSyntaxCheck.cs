namespace AkkaRouter.Configuration;

/// <summary>
/// Catches the structural mistakes Akka's HOCON parser silently accepts: unclosed or mismatched
/// braces and brackets, and unterminated strings; and the inputs it never comes back from.
/// </summary>
/// <remarks>
/// Akka's parser reads "a { b = 1" or "a = [1, 2" without complaint and starts a node with a
/// configuration the operator did not write; a node must never start half-configured. It also recurses
/// once or more per nested object, list and dotted-key segment: some ten thousand levels overflow the
/// stack and kill the process without a word, so nesting is bounded far above any real configuration.
/// And it loops forever on an unquoted character HOCON reserves (such as ! @ = :) directly inside a
/// list, e.g. roles = [router!], and on any substitution inside a list that is not a plain path (${?X},
/// ${ x}), so a node would hang at start: such a list element must be quoted, and an optional value
/// substituted as the whole list. It loops as well on an object inside a list with a member that is a bare
/// object (e = [{ {} }], found by CI's fuzz run, 2026-12-06).
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
        var lists = 0;
        // Reported only when the brackets balance: an unclosed '[' puts the rest of the file in the list.
        string? stall = null;
        // Whether the object member being read has anything (a key) before a '{': a member that is a bare object inside
        // a list (e = [{ {} }], e = [{a = 1, {}}]) is another input the parser never comes back from.
        var keyed = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var depth = open.Count == 0 ? 0 : open.Peek().Depth;
            if (open.Count > 0 && open.Peek().Bracket == '[' && StallsInList(text, i))
                stall ??= $"line {line}: '{c}' in a list must be inside quotes";
            if (lists > 0 && IsIrregularSubstitution(text, i))
                stall ??= $"line {line}: a substitution inside a list must be a plain path such as ${{a.b}} (no blanks, no ${{?...}}); substitute the whole list instead (roles = ${{?ROLES}})";
            if (c == '{' && !keyed && lists > 0 && open.Count > 0 && open.Peek().Bracket == '{')
                stall ??= $"line {line}: an object inside a list has a member with no key before its '{{'";
            if (c is not (' ' or '\t' or '\r' or '\n' or '{' or ','))
                keyed = true;
            switch (c)
            {
                case '\n':
                    // A newline ends a member that had its value (a = 1); after a bare key (a) the object may follow.
                    if (inValue)
                        keyed = false;
                    line++;
                    keyDots = 0;
                    inValue = false;
                    break;
                case ',':
                    keyDots = 0;
                    inValue = false;
                    keyed = false;
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
                    lists += c == '[' ? 1 : 0;
                    keyDots = 0;
                    inValue = false;
                    keyed = false;
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return $"line {line}: '{c}' without a matching '{expected}'";
                    var (bracket, openedAt, _) = open.Pop();
                    lists -= bracket == '[' ? 1 : 0;
                    if (bracket != expected) return $"line {line}: '{c}' closes the '{bracket}' opened on line {openedAt}";
                    // What follows on the line still belongs to the value the bracket closed.
                    keyDots = 0;
                    inValue = true;
                    break;
            }
        }
        return open.Count == 0 ? stall : $"line {open.Peek().Line}: '{open.Peek().Bracket}' is never closed";
    }

    // Measured on Akka 1.5's parser: each of these, unquoted at list level, makes it spin forever; '$' only when it
    // does not open a substitution.
    private static bool StallsInList(string text, int i) =>
        text[i] is '!' or '@' or '&' or '^' or '*' or '?' or '`' or '\\' or '=' or ':'
        || (text[i] == '$' && (i + 1 >= text.Length || text[i + 1] != '{'));

    // A "${" whose path is not letters, digits, '-', '_' and '.' up to the closing brace.
    private static bool IsIrregularSubstitution(string text, int i)
    {
        if (text[i] != '$' || i + 1 >= text.Length || text[i + 1] != '{')
            return false;
        var end = text.IndexOf('}', i + 2);
        return end <= i + 2 || text.AsSpan(i + 2, end - i - 2).ContainsAnyExcept(PathChars);
    }

    private static readonly System.Buffers.SearchValues<char> PathChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");

    private static string TooDeep(int line) =>
        $"line {line}: nested more than {MaxDepth} levels deep (objects, lists and dotted-key segments together)";
}
