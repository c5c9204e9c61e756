namespace AkkaRouter.Http.Upstream;

internal static class Latin1
{
    /// <summary>Whether <paramref name="text"/> is <paramref name="bytes"/> read as Latin-1 (one char per byte).</summary>
    public static bool Same(string text, ReadOnlySpan<byte> bytes)
    {
        if (text.Length != bytes.Length)
            return false;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (text[i] != bytes[i])
                return false;
        }
        return true;
    }
}
