namespace AkkaRouter.Resp;

/// <summary>Upper bounds the parser enforces so a client can never make a connection buffer grow without limit.</summary>
/// <remarks>
/// Redis allows 512 MB bulk strings (proto-max-bulk-len); a router only ever looks up keys, so the defaults are far
/// smaller. Every limit is checked against declared lengths, before the announced bytes arrive.
/// </remarks>
public sealed record RespLimits
{
    /// <summary>The defaults described on each property.</summary>
    public static RespLimits Default { get; } = new();

    /// <summary>Most arguments in one command (the N of <c>*N</c>, or inline words). Default 4096.</summary>
    public int MaxArguments { get; init; } = 4096;

    /// <summary>Longest single bulk argument in bytes. Default 512 KiB.</summary>
    public int MaxBulkLength { get; init; } = 512 * 1024;

    /// <summary>
    /// Longest inline command line, and longest <c>*N</c>/<c>$N</c> header line, in bytes. Default 64 KiB,
    /// Redis's PROTO_INLINE_MAX_SIZE.
    /// </summary>
    public int MaxInlineLength { get; init; } = 64 * 1024;

    /// <summary>Longest whole multibulk command (headers, arguments and CRLFs) in bytes. Default 1 MiB.</summary>
    public int MaxMultibulkLength { get; init; } = 1024 * 1024;

    /// <summary>Most bytes a connection may hold unconsumed while a command is still incomplete.</summary>
    /// <remarks>A header line is only known to be too long once it exceeds <see cref="MaxInlineLength"/>.</remarks>
    public long MaxBufferedBytes => (long)MaxMultibulkLength + MaxInlineLength + 2;

    internal void Validate()
    {
        // 1 GiB is far beyond anything a router needs and keeps the parser's offset arithmetic clear of int overflow.
        const int Ceiling = 1 << 30;
        if (MaxArguments is < 1 or > Ceiling || MaxBulkLength is < 1 or > Ceiling
            || MaxInlineLength is < 1 or > Ceiling || MaxMultibulkLength is < 1 or > Ceiling)
        {
            throw new ArgumentOutOfRangeException(nameof(RespLimits), this, "RESP limits must be from 1 to 1 GiB.");
        }
    }
}
