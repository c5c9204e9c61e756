using System.Text;

namespace AkkaRouter.Resp;

/// <summary>A protocol violation and the exact Redis error reply that answers it.</summary>
public sealed class RespProtocolError
{
    internal static readonly RespProtocolError InvalidMultibulkLength = new("ERR Protocol error: invalid multibulk length");
    internal static readonly RespProtocolError InvalidBulkLength = new("ERR Protocol error: invalid bulk length");
    internal static readonly RespProtocolError TooBigInlineRequest = new("ERR Protocol error: too big inline request");
    internal static readonly RespProtocolError TooBigMultibulkCount = new("ERR Protocol error: too big mbulk count string");
    internal static readonly RespProtocolError TooBigBulkCount = new("ERR Protocol error: too big bulk count string");
    internal static readonly RespProtocolError UnbalancedQuotes = new("ERR Protocol error: unbalanced quotes in request");

    private readonly byte[] _reply;

    private RespProtocolError(string message)
        : this(Encoding.Latin1.GetBytes(message))
    {
    }

    private RespProtocolError(byte[] message)
    {
        _reply = new byte[message.Length + 3];
        _reply[0] = (byte)'-';
        message.CopyTo(_reply, 1);
        _reply[^2] = (byte)'\r';
        _reply[^1] = (byte)'\n';
        Message = Encoding.Latin1.GetString(message);
    }

    /// <summary>Error text including its code, without the leading '-' or CRLF, e.g. "ERR Protocol error: invalid bulk length".</summary>
    public string Message { get; }

    /// <summary>The complete wire reply, byte for byte what Redis sends: '-', <see cref="Message"/>, CRLF.</summary>
    public ReadOnlySpan<byte> Reply => _reply;

    /// <summary>
    /// Always true: like Redis, the parser cannot find the next command boundary after a violation, so the connection
    /// must be closed once the error reply has been flushed.
    /// </summary>
    public bool CloseConnection => true;

    internal static RespProtocolError ExpectedDollar(byte got)
    {
        // Redis prints the offending byte raw with %c, then maps CR and LF to spaces so the reply stays one line.
        var shown = got is (byte)'\r' or (byte)'\n' ? (byte)' ' : got;
        return new RespProtocolError([.. "ERR Protocol error: expected '$', got '"u8, shown, (byte)'\'']);
    }

    /// <inheritdoc />
    public override string ToString() => Message;
}
