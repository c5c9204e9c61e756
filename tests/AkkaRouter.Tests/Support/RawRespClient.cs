using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Tests.Support;

/// <summary>An error reply ("-ERR ..."), its text without the leading '-'.</summary>
public sealed record RespErrorReply(string Message)
{
    public override string ToString() => "-" + Message;
}

/// <summary>
/// A bare RESP client over one socket: writes exactly the bytes a test gives it and decodes replies
/// (RESP2 and RESP3) into plain values: string (simple, bulk, verbatim), long, double, bool,
/// <see cref="RespErrorReply"/>, object?[] (array, set, push), Dictionary (map), or null.
/// </summary>
public sealed class RawRespClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawRespClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>Connects to 127.0.0.1:port; a receive buffer size, if given, is set before connecting (so the TCP window stays small).</summary>
    public static Task<RawRespClient> Connect(int port, int? receiveBufferSize = null) => Connect(IPAddress.Loopback, port, receiveBufferSize);

    /// <summary>Connects to host:port (an IP address, e.g. a node in a network namespace).</summary>
    public static Task<RawRespClient> Connect(string host, int port) => Connect(IPAddress.Parse(host), port, null);

    private static async Task<RawRespClient> Connect(IPAddress address, int port, int? receiveBufferSize)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
            socket.ReceiveBufferSize = size;
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(new IPEndPoint(address, port), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawRespClient(socket);
    }

    /// <summary>A command as a RESP multibulk frame.</summary>
    public static byte[] Encode(params string[] args)
    {
        var text = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public async Task Send(ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var sent = await Socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    public Task Send(string raw) => Send(Encoding.UTF8.GetBytes(raw));

    /// <summary>Sends one command and reads its reply.</summary>
    public async Task<object?> Command(params string[] args)
    {
        await Send(Encode(args));
        return await ReadReply();
    }

    /// <summary>Reads one complete reply; throws <see cref="EndOfStreamException"/> if the server closed first.</summary>
    public async Task<object?> ReadReply(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        return await ReadValue(cts.Token);
    }

    /// <summary>
    /// True once the server has closed the connection (a read returns 0 or the connection is reset),
    /// discarding anything still unread; false if it is still open after <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> WaitClosed(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var scratch = new byte[64 * 1024];
        try
        {
            while (true)
            {
                if (_end > _start) { _start = _end; continue; }
                if (await Socket.ReceiveAsync(scratch, SocketFlags.None, cts.Token) == 0)
                    return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private async Task<object?> ReadValue(CancellationToken cancel)
    {
        var line = await ReadLine(cancel);
        var type = line[0];
        var rest = line[1..];
        switch (type)
        {
            case '+': return rest;
            case '-': return new RespErrorReply(rest);
            case ':': return long.Parse(rest);
            case ',': return double.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
            case '#': return rest == "t";
            case '_': return null;
            case '$':
            case '=':
            {
                var length = int.Parse(rest);
                if (length < 0) return null;
                var bytes = await ReadExactly(length + 2, cancel);
                var text = Encoding.UTF8.GetString(bytes, 0, length);
                return type == '=' ? text[4..] : text; // verbatim: drop "txt:"
            }
            case '*':
            case '~':
            case '>':
            {
                var count = int.Parse(rest);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++)
                    items[i] = await ReadValue(cancel);
                return items;
            }
            case '%':
            {
                var count = int.Parse(rest);
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var key = Convert.ToString(await ReadValue(cancel), System.Globalization.CultureInfo.InvariantCulture)!;
                    map[key] = await ReadValue(cancel);
                }
                return map;
            }
            default:
                throw new InvalidDataException($"unexpected reply line '{line}'");
        }
    }

    private async Task<string> ReadLine(CancellationToken cancel)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            var lf = span.IndexOf("\r\n"u8);
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(span[..lf]);
                _start += lf + 2;
                return line;
            }
            await Fill(cancel);
        }
    }

    private async Task<byte[]> ReadExactly(int count, CancellationToken cancel)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_end == _start)
                await Fill(cancel);
            var n = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    private async Task Fill(CancellationToken cancel)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            throw new InvalidDataException("reply line longer than the test client's buffer");
        var read = await Socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
        if (read == 0)
            throw new EndOfStreamException("the server closed the connection");
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
