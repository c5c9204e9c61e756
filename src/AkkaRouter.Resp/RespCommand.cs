using System.Text;

namespace AkkaRouter.Resp;

/// <summary>One parsed request: zero-copy argument slices, reused from command to command on a connection.</summary>
/// <remarks>
/// Arguments point into the buffer given to <see cref="RespParser.TryParse"/> (or into this command's own scratch
/// space for inline arguments that had quotes or escapes), so they stay valid until that buffer is changed or the
/// command is parsed into again.
/// </remarks>
public sealed class RespCommand
{
    private const int InitialCapacity = 8;

    // Start >= 0 indexes the parsed buffer; Start < 0 stores ~offset into _scratch. One array keeps both cases
    // allocation-free and lets the indexer pick the source without a second lookup.
    private ArgSlice[] _args = new ArgSlice[InitialCapacity];
    private byte[] _scratch = [];
    private int _scratchLength;
    private ReadOnlyMemory<byte> _source;

    /// <summary>Number of arguments, the command name included; 0 after an error.</summary>
    public int Count { get; private set; }

    /// <summary>The protocol violation when the last parse returned <see cref="RespParseStatus.Error"/>, otherwise null.</summary>
    public RespProtocolError? Error { get; private set; }

    /// <summary>The raw bytes of argument <paramref name="index"/> (0 is the command name).</summary>
    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var arg = _args[index];
            return arg.Start >= 0
                ? _source.Span.Slice(arg.Start, arg.Length)
                : _scratch.AsSpan(~arg.Start, arg.Length);
        }
    }

    /// <summary>True when the command name equals <paramref name="name"/>, ignoring ASCII case.</summary>
    public bool NameEquals(ReadOnlySpan<byte> name) => Is(0, name);

    /// <summary>True when argument <paramref name="index"/> exists and equals <paramref name="name"/>, ignoring ASCII case.</summary>
    public bool Is(int index, ReadOnlySpan<byte> name) =>
        (uint)index < (uint)Count && Ascii.EqualsIgnoreCase(this[index], name);

    /// <summary>Argument <paramref name="index"/> decoded as UTF-8; allocates, so meant for rare commands.</summary>
    public string GetString(int index) => Encoding.UTF8.GetString(this[index]);

    /// <summary>
    /// Reads argument <paramref name="index"/> as a signed 64-bit integer with Redis's strict syntax; on false,
    /// answer with <see cref="RespLiterals.NotAnIntegerError"/>.
    /// </summary>
    public bool TryGetInt64(int index, out long value) => RespNumber.TryParseInt64(this[index], out value);

    internal void Reset(ReadOnlyMemory<byte> source)
    {
        _source = source;
        _scratchLength = 0;
        Count = 0;
        Error = null;
    }

    internal void Fail(RespProtocolError error)
    {
        Count = 0;
        Error = error;
    }

    internal void AddArgument(int start, int length) => Append(new ArgSlice(start, length));

    /// <summary>Makes room for <paramref name="bytes"/> more scratch bytes, so appends never reallocate mid-line.</summary>
    internal void ReserveScratch(int bytes)
    {
        if (_scratch.Length - _scratchLength < bytes)
        {
            Array.Resize(ref _scratch, Math.Max(_scratchLength + bytes, _scratch.Length * 2));
        }
    }

    internal int ScratchLength => _scratchLength;

    internal void AppendScratch(byte value) => _scratch[_scratchLength++] = value;

    internal void AppendScratch(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_scratch.AsSpan(_scratchLength));
        _scratchLength += value.Length;
    }

    internal void AddScratchArgument(int scratchStart) =>
        Append(new ArgSlice(~scratchStart, _scratchLength - scratchStart));

    private void Append(ArgSlice arg)
    {
        if (Count == _args.Length)
        {
            Array.Resize(ref _args, _args.Length * 2);
        }

        _args[Count++] = arg;
    }

    private readonly record struct ArgSlice(int Start, int Length);
}
