using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>An error reply, its text without the leading '-'.</summary>
public sealed record RespError(string Message)
{
    public override string ToString() => "-" + Message;
}

/// <summary>
/// A small pipelining RESP2 client over one socket: replies decode to string, long,
/// <see cref="RespError"/>, object?[] or null. Every I/O failure surfaces as an exception, never a retry,
/// so a test sees each failed lookup.
/// </summary>
public sealed class RespClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    private RespClient(Socket socket) => _socket = socket;

    public static async Task<RespClient> Connect(string host, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RespClient(socket);
    }

    public static byte[] Encode(IReadOnlyList<string> args)
    {
        var text = new StringBuilder().Append('*').Append(args.Count).Append("\r\n");
        foreach (var arg in args)
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public async Task Send(ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0)
            bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
    }

    public async Task<object?> Command(params string[] args)
    {
        await Send(Encode(args));
        return await Read();
    }

    /// <summary>Owners of <paramref name="keys"/>: MGETs of <paramref name="batch"/> keys, all sent before the first reply is read.</summary>
    public async Task<string[]> Owners(IReadOnlyList<string> keys, int batch = 1000)
    {
        var frames = new List<byte>();
        var batches = 0;
        for (var i = 0; i < keys.Count; i += batch, batches++)
            frames.AddRange(Encode(["MGET", .. keys.Skip(i).Take(batch)]));
        await Send(frames.ToArray());
        var owners = new List<string>(keys.Count);
        for (var b = 0; b < batches; b++)
        {
            var reply = await Read();
            if (reply is not object?[] items)
                throw new InvalidDataException($"MGET answered {reply ?? "(nil)"}");
            owners.AddRange(items.Select(o => o as string ?? throw new InvalidDataException($"MGET item {o ?? "(nil)"}")));
        }
        return owners.ToArray();
    }

    /// <summary>RING.INFO as a field → value map.</summary>
    public async Task<Dictionary<string, string>> RingInfo()
    {
        var reply = await Command("RING.INFO");
        if (reply is not object?[] items)
            throw new InvalidDataException($"RING.INFO answered {reply ?? "(nil)"}");
        var info = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
            info[Convert.ToString(items[i])!] = Convert.ToString(items[i + 1], System.Globalization.CultureInfo.InvariantCulture)!;
        return info;
    }

    public async Task<object?> Read()
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await ReadValue(cts.Token);
    }

    private async Task<object?> ReadValue(CancellationToken cancel)
    {
        var line = await ReadLine(cancel);
        var rest = line[1..];
        switch (line[0])
        {
            case '+': return rest;
            case '-': return new RespError(rest);
            case ':': return long.Parse(rest);
            case '$':
            {
                var length = int.Parse(rest);
                if (length < 0) return null;
                var bytes = await ReadExactly(length + 2, cancel);
                return Encoding.UTF8.GetString(bytes, 0, length);
            }
            case '*':
            {
                var count = int.Parse(rest);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++)
                    items[i] = await ReadValue(cancel);
                return items;
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
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
        if (read == 0)
            throw new EndOfStreamException("the server closed the connection");
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
