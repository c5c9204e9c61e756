using System.Text;

namespace AkkaRouter.Cli;

/// <summary>
/// A small line editor for the interactive palette: history (Up/Down), Tab completion of command
/// names, Left/Right/Home/End, Backspace. With redirected input it reads plain lines.
/// </summary>
public sealed class LineEditor(IReadOnlyList<string> commands)
{
    private readonly List<string> _history = new();

    public string? ReadLine(string prompt)
    {
        if (Console.IsInputRedirected)
            return Console.In.ReadLine();
        Console.Write(prompt);
        var line = new StringBuilder();
        var cursor = 0;
        var historyIndex = _history.Count;
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    var text = line.ToString();
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text))
                        _history.Add(text);
                    return text;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0: cursor--; break;
                case ConsoleKey.RightArrow when cursor < line.Length: cursor++; break;
                case ConsoleKey.Home: cursor = 0; break;
                case ConsoleKey.End: cursor = line.Length; break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    line.Clear().Append(_history[--historyIndex]);
                    cursor = line.Length;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    line.Clear().Append(historyIndex < _history.Count ? _history[historyIndex] : "");
                    cursor = line.Length;
                    break;
                case ConsoleKey.Tab:
                    var completed = Complete(line.ToString());
                    if (completed is not null)
                    {
                        line.Clear().Append(completed);
                        cursor = line.Length;
                    }
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    Console.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                        line.Insert(cursor++, key.KeyChar);
                    break;
            }
            Redraw(prompt, line, cursor);
        }
    }

    /// <summary>The longest completion shared by every command that starts with the text, or null.</summary>
    public string? Complete(string text)
    {
        var matches = commands.Where(c => c.StartsWith(text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (matches.Count == 0)
            return null;
        if (matches.Count == 1)
            return matches[0] + " ";
        var common = matches[0];
        foreach (var m in matches)
        {
            var n = 0;
            while (n < common.Length && n < m.Length && char.ToLowerInvariant(common[n]) == char.ToLowerInvariant(m[n])) n++;
            common = common[..n];
        }
        if (common.Length <= text.Length)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("   ", matches));
        }
        return common;
    }

    /// <summary>Splits a typed line into words; "double" or 'single' quotes keep spaces.</summary>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in line)
        {
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else word.Append(c);
            }
            else if (c is '"' or '\'') { quote = c; inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
            }
            else { word.Append(c); inWord = true; }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    private static void Redraw(string prompt, StringBuilder line, int cursor)
    {
        Console.Write("\r\u001b[2K" + prompt + line);
        var back = line.Length - cursor;
        if (back > 0) Console.Write($"\u001b[{back}D");
    }
}
