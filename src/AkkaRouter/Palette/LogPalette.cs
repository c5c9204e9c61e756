using System.Globalization;
using System.Text;
using AkkaRouter.Logging;
using Serilog.Events;

namespace AkkaRouter.Palette;

/// <summary>`log peek`: recent log lines from the in-memory buffer.</summary>
public sealed class LogPalette
{
    public IEnumerable<PaletteCommand> Commands =>
    [
        new("log peek", "log peek [-c COUNT] [-l LEVEL]", "recent log lines (default 20, all levels)", Peek),
    ];

    private static Task<string> Peek(PaletteArguments args)
    {
        args.AllowOnly("c", "count", "l", "level");
        var count = args.IntOption("c", "count", 20, 1, LogBuffer.Capacity);
        var levelText = args.Option("l", "level") ?? "Verbose";
        if (!TryParseLevel(levelText, out var level))
            throw new PaletteUsageError($"'{levelText}' is not a level (Verbose, Debug, Information, Warning, Error, Fatal)");
        var text = new StringBuilder();
        foreach (var e in LogBuffer.Shared.Recent(count, level))
        {
            text.Append(e.Timestamp.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)).Append(' ')
                .Append(Abbreviation(e.Level)).Append(' ')
                .Append(e.RenderMessage(CultureInfo.InvariantCulture).ReplaceLineEndings(" ")).Append('\n');
        }
        return Task.FromResult(text.Length == 0 ? "(no log lines)\n" : text.ToString());
    }

    private static bool TryParseLevel(string text, out LogEventLevel level)
    {
        var aliases = new Dictionary<string, LogEventLevel>(StringComparer.OrdinalIgnoreCase)
        {
            ["info"] = LogEventLevel.Information, ["warn"] = LogEventLevel.Warning, ["trace"] = LogEventLevel.Verbose,
        };
        return aliases.TryGetValue(text, out level)
            || (Enum.TryParse(text, ignoreCase: true, out level) && Enum.IsDefined(level));
    }

    private static string Abbreviation(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "VRB",
        LogEventLevel.Debug => "DBG",
        LogEventLevel.Information => "INF",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        _ => "FTL",
    };
}
