using System.Text;

namespace AkkaRouter.Palette;

/// <summary>Every palette command, found by its words; `help` lists them.</summary>
public sealed class PaletteCatalog
{
    private readonly IReadOnlyList<PaletteCommand> _commands;

    /// <param name="extensions">Commands a host adds (the demo's), listed after the built-in ones; none may stream.</param>
    public PaletteCatalog(ClusterPalette cluster, RingPalette ring, ActorPalette actor, LogPalette log, IEnumerable<PaletteCommand>? extensions = null)
    {
        var help = new PaletteCommand("help", "help", "this list", _ => Task.FromResult(Help()));
        IReadOnlyList<PaletteCommand> builtIn = [.. cluster.Commands, .. ring.Commands, .. actor.Commands, .. log.Commands, help];
        // The client completes and streams from the static lists; they must name exactly the built-in commands.
        if (!builtIn.Select(c => c.Verb).SequenceEqual(Names) || !builtIn.Where(c => c.IsStreaming).Select(c => c.Verb).SequenceEqual(StreamingNames))
            throw new InvalidOperationException("PaletteCatalog.Names or StreamingNames no longer match the palette's commands");
        var extra = extensions?.ToList() ?? [];
        if (extra.Any(c => c.IsStreaming || builtIn.Any(b => b.Verb == c.Verb)))
            throw new InvalidOperationException("a palette extension streams or reuses a built-in command's words");
        _commands = [.. builtIn.SkipLast(1), .. extra, help];
    }

    /// <summary>Commands that stream until interrupted.</summary>
    public static readonly string[] StreamingNames = ["cluster tail", "ring tail"];

    /// <summary>True when the words name a streaming command (the client then reads until it stops the stream).</summary>
    public static bool IsStreaming(string verb) => StreamingNames.Contains(verb.ToLowerInvariant());

    /// <summary>The command names, in catalog order, for completion in the interactive client.</summary>
    public static readonly string[] Names =
    [
        "cluster show", "cluster status", "cluster leader", "cluster join", "cluster leave", "cluster down",
        "cluster down-unreachable", "cluster tail", "ring show", "ring lookup", "ring tail",
        "ring explain", "ring drain", "ring undrain", "ring weight",
        "actor hierarchy", "actor system", "log peek", "help",
    ];

    /// <summary>The command named by the first words, or a usage error naming what was not understood.</summary>
    public PaletteCommand Find(PaletteArguments args)
    {
        var words = args.Words.Select(w => w.ToLowerInvariant()).ToList();
        var match = _commands.FirstOrDefault(c => Matches(c.Verb, words));
        if (match is not null)
            return match;
        var family = words.FirstOrDefault();
        var related = _commands.Where(c => c.Verb.StartsWith(family + " ", StringComparison.Ordinal)).Select(c => c.Usage).ToList();
        var unknown = string.Join(' ', args.Words);
        throw new PaletteUsageError(related.Count > 0
            ? $"unknown command '{unknown}'; {family} commands: {string.Join(" | ", related)}"
            : $"unknown command '{unknown}'; type 'help' for the list");
    }

    private static bool Matches(string verb, List<string> words)
    {
        var parts = verb.Split(' ');
        return words.Count == parts.Length && parts.SequenceEqual(words);
    }

    private string Help()
    {
        var width = _commands.Max(c => c.Usage.Length);
        var text = new StringBuilder("AkkaRouter command palette\n");
        foreach (var c in _commands)
            text.Append("  ").Append(c.Usage.PadRight(width)).Append("  ").Append(c.Summary).Append('\n');
        return text.ToString();
    }
}
