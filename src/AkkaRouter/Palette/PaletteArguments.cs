using System.Globalization;
using System.Text;

namespace AkkaRouter.Palette;

/// <summary>A command line of the palette: its words (`cluster show`) and its options (`-r role`).</summary>
public sealed class PaletteArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private PaletteArguments(IReadOnlyList<string> words) => Words = words;

    public IReadOnlyList<string> Words { get; }

    /// <summary>"cluster show" for the first two words, lower-cased.</summary>
    public string Verb => string.Join(' ', Words.Take(2)).ToLowerInvariant();

    /// <summary>Splits arguments into words and `-x value` / `--name value` options; throws <see cref="PaletteUsageError"/> on a dangling option.</summary>
    public static PaletteArguments Parse(IReadOnlyList<string> args)
    {
        var words = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') && arg.Length > 1 && !double.TryParse(arg, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                if (i + 1 >= args.Count)
                    throw new PaletteUsageError($"option {arg} needs a value");
                options[arg.TrimStart('-')] = args[++i];
            }
            else
            {
                words.Add(arg);
            }
        }
        var parsed = new PaletteArguments(words);
        foreach (var (k, v) in options)
            parsed._options[k] = v;
        return parsed;
    }

    /// <summary>The value of `-short` or `--long`, or null.</summary>
    public string? Option(string shortName, string longName) =>
        _options.GetValueOrDefault(shortName) ?? _options.GetValueOrDefault(longName);

    /// <summary>An integer option with a default and bounds.</summary>
    public int IntOption(string shortName, string longName, int defaultValue, int min, int max)
    {
        var text = Option(shortName, longName);
        if (text is null)
            return defaultValue;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new PaletteUsageError($"-{shortName} must be a number from {min} to {max}");
        return value;
    }

    /// <summary>Fails on options the command does not take.</summary>
    public void AllowOnly(params string[] names)
    {
        var unknown = _options.Keys.FirstOrDefault(k => !names.Contains(k));
        if (unknown is not null)
            throw new PaletteUsageError($"unknown option -{unknown}");
    }
}

/// <summary>
/// A palette command used wrongly: answered with the usage line, never a stack trace. Messages echo what
/// the user typed (an option name, a command); control characters in it are escaped (`\r`, `\x01`) so
/// the answer is always one line a terminal shows as it is.
/// </summary>
public sealed class PaletteUsageError(string message) : Exception(OneLine(message))
{
    private static string OneLine(string message)
    {
        if (!message.Any(char.IsControl))
            return message;
        var text = new StringBuilder(message.Length + 8);
        foreach (var c in message)
        {
            _ = c switch
            {
                '\r' => text.Append("\\r"),
                '\n' => text.Append("\\n"),
                '\t' => text.Append("\\t"),
                _ when char.IsControl(c) => text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }
        return text.ToString();
    }
}
