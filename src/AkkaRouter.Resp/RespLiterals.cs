namespace AkkaRouter.Resp;

/// <summary>Complete, precomputed wire replies for the answers a router sends most, for <see cref="RespWriter.Raw"/>.</summary>
public static class RespLiterals
{
    /// <summary><c>+OK\r\n</c></summary>
    public static ReadOnlySpan<byte> Ok => "+OK\r\n"u8;

    /// <summary><c>+PONG\r\n</c></summary>
    public static ReadOnlySpan<byte> Pong => "+PONG\r\n"u8;

    /// <summary><c>:0\r\n</c></summary>
    public static ReadOnlySpan<byte> Zero => ":0\r\n"u8;

    /// <summary><c>:1\r\n</c></summary>
    public static ReadOnlySpan<byte> One => ":1\r\n"u8;

    /// <summary><c>$-1\r\n</c>, the RESP2 null bulk string; prefer <see cref="RespWriter.Null"/> when RESP3 is possible.</summary>
    public static ReadOnlySpan<byte> NullBulkString => "$-1\r\n"u8;

    /// <summary><c>*0\r\n</c></summary>
    public static ReadOnlySpan<byte> EmptyArray => "*0\r\n"u8;

    /// <summary>Redis's reply when an argument is not a valid 64-bit integer (see <see cref="RespCommand.TryGetInt64"/>).</summary>
    public static ReadOnlySpan<byte> NotAnIntegerError => "-ERR value is not an integer or out of range\r\n"u8;
}
