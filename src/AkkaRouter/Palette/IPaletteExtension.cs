namespace AkkaRouter.Palette;

/// <summary>Commands a host adds to the palette (registered as a service of the node's host), e.g. the demo's.</summary>
public interface IPaletteExtension
{
    IEnumerable<PaletteCommand> Commands { get; }
}
