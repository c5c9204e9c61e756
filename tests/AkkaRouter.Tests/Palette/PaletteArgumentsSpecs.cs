using AkkaRouter.Palette;
using Xunit;

namespace AkkaRouter.Tests.Palette;

public sealed class PaletteArgumentsSpecs
{
    [Fact(DisplayName = "A usage error echoing an option name with CR, LF or other control characters is one line with them escaped")]
    public void Usage_error_is_one_line()
    {
        var args = PaletteArguments.Parse(["ring", "lookup", "-k!\r\n\u0001x", "zero"]);
        var error = Assert.Throws<PaletteUsageError>(() => args.IntOption("k!\r\n\u0001x", "k!\r\n\u0001x", 3, 1, 1024));
        Assert.Equal("-k!\\r\\n\\x01x must be a number from 1 to 1024", error.Message);
    }

    [Fact(DisplayName = "A usage error without control characters is kept as written")]
    public void Plain_usage_error_is_unchanged()
    {
        var error = Assert.Throws<PaletteUsageError>(() => PaletteArguments.Parse(["cluster", "show", "-z", "1"]).AllowOnly());
        Assert.Equal("unknown option -z", error.Message);
    }
}
