using System.Globalization;
using AkkaRouter.Palette;
using AkkaRouter.Resp;

namespace AkkaRouter.Fuzz;

/// <summary>
/// What a palette connection does with received bytes: frames parsed with the palette's own parser, each command's
/// arguments decoded and split into words and options, options read the ways the commands read them. Only
/// <see cref="PaletteUsageError"/> may escape (the session answers it with the usage line).
/// </summary>
internal static class PaletteTarget
{
    public static void Run(byte[] data)
    {
        var command = new RespCommand();
        var offset = 0;
        while (offset < data.Length)
        {
            var status = PaletteSession.Parser.TryParse(data.AsMemory(offset), command, out var used);
            offset += used;
            if (status != RespParseStatus.Complete)
            {
                return;
            }

            Check(Enumerable.Range(0, command.Count).Select(command.GetString).ToArray());
        }
    }

    private static void Check(string[] args)
    {
        PaletteArguments parsed;
        try
        {
            parsed = PaletteArguments.Parse(args);
        }
        catch (PaletteUsageError e)
        {
            InvariantViolated.Unless(
                args.Length > 0 && args[^1].StartsWith('-') && e.Message.StartsWith("option ", StringComparison.Ordinal),
                $"Parse refused [{string.Join(", ", args)}]: {e.Message}");
            return;
        }

        // Every argument is a word or part of an option, in order.
        InvariantViolated.Unless(parsed.Words.Count <= args.Length, "more words than arguments");
        var next = 0;
        foreach (var word in parsed.Words)
        {
            while (next < args.Length && !ReferenceEquals(args[next], word))
            {
                next++;
            }

            InvariantViolated.Unless(next < args.Length, $"word '{word}' is not one of the arguments in order");
            next++;
        }

        InvariantViolated.Unless(
            parsed.Verb == string.Join(' ', parsed.Words.Take(2)).ToLowerInvariant(),
            $"verb '{parsed.Verb}' is not the first two words");

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].TrimStart('-');
            if (args[i].Length < 2 || !args[i].StartsWith('-') || double.TryParse(args[i], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            var value = parsed.Option(name, name);
            InvariantViolated.Unless(value is not null && args.Contains(value), $"option {args[i]} lost its value");
            Usage(() => parsed.IntOption(name, name, 3, 1, 1024), v => v is >= 1 and <= 1024);
            Usage(() => parsed.IntOption(name, name, 20, 1, 10_000), v => v is >= 1 and <= 10_000);
            Usage(() =>
            {
                parsed.AllowOnly();
                return 0;
            }, _ => false);
            i++;
        }

        // Options nobody gave fall back to their defaults. Any string can name an option, "\0" included (`-\0 0`, found
        // by CI's 25 s run, 2026-12-06: the product refused it with its usage line, as it should; the check here assumed
        // the name could not be given), so the default is checked only when that option is absent.
        if (parsed.Option("\0", "\0") is null)
            InvariantViolated.Unless(parsed.IntOption("\0", "\0", 7, 1, 9) == 7, "an absent option has no default");
    }

    /// <summary>Runs an option read that may refuse with a usage error; a value it returns must satisfy <paramref name="valid"/>.</summary>
    private static void Usage(Func<int> read, Func<int, bool> valid)
    {
        try
        {
            var value = read();
            InvariantViolated.Unless(valid(value), $"option read returned {value}");
        }
        catch (PaletteUsageError e)
        {
            InvariantViolated.Unless(e.Message.Length > 0 && !e.Message.Contains('\n'), $"usage error '{e.Message}'");
        }
    }
}
