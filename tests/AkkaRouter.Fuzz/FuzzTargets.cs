namespace AkkaRouter.Fuzz;

/// <summary>The fuzz targets by name; each takes one input and throws only when it found a bug.</summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["resp"] = RespTarget.Run,
        ["inline"] = InlineTarget.Run,
        ["palette"] = PaletteTarget.Run,
        ["settings"] = SettingsTarget.Run,
    };
}

/// <summary>A property the code under test must keep was broken by an input: a finding, like a crash.</summary>
internal sealed class InvariantViolated(string message) : Exception(message)
{
    public static void Unless(bool holds, string invariant)
    {
        if (!holds)
        {
            throw new InvariantViolated(invariant);
        }
    }
}
