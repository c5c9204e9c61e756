namespace AkkaRouter.Palette;

/// <summary>One palette command: its words, usage, and either a one-shot answer or a stream of lines.</summary>
public sealed record PaletteCommand(
    string Verb,
    string Usage,
    string Summary,
    Func<PaletteArguments, Task<string>>? Run = null,
    Func<PaletteArguments, CancellationToken, IAsyncEnumerable<string>>? Stream = null)
{
    /// <summary>True for commands that stream until the client disconnects (`cluster tail`, `ring tail`).</summary>
    public bool IsStreaming => Stream is not null;
}
