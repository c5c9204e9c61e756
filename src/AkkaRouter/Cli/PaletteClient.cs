using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Cli;

/// <summary>The client side of the command palette: sends a command as a RESP array, reads text replies.</summary>
public sealed class PaletteClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _network;

    // Reads are buffered; writes go straight to the socket, so stopping a stream (a write) can
    // happen while a read is pending, which a BufferedStream does not allow.
    private readonly Stream _stream;

    private PaletteClient(TcpClient tcp)
    {
        _tcp = tcp;
        _network = tcp.GetStream();
        _stream = new BufferedStream(_network);
    }

    /// <summary>Connects to HOST:PORT, with a message naming the address when nothing listens there.</summary>
    public static async Task<PaletteClient> Connect(string host, int port, CancellationToken cancel)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancel);
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new PaletteClientError($"cannot connect to the command palette at {host}:{port}: {e.Message}");
        }
        return new PaletteClient(tcp);
    }

    public async Task Send(IReadOnlyList<string> args, CancellationToken cancel)
    {
        var frame = new StringBuilder().Append('*').Append(args.Count).Append("\r\n");
        foreach (var arg in args)
            frame.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        await _network.WriteAsync(Encoding.UTF8.GetBytes(frame.ToString()), cancel);
    }

    /// <summary>Asks the palette to end the running stream; it answers +OK once it has.</summary>
    public async Task StopStream()
    {
        await _network.WriteAsync(new[] { Palette.PaletteSession.StopStream });
    }

    /// <summary>Reads one reply: the text of a bulk/simple string, or throws <see cref="PaletteClientError"/> for an error reply.</summary>
    public async Task<string?> Receive(CancellationToken cancel) => (await ReceiveReply(cancel))?.Text;

    /// <summary>Reads one reply, telling a status line (+OK) from text.</summary>
    public async Task<PaletteReply?> ReceiveReply(CancellationToken cancel)
    {
        var line = await ReadLine(cancel);
        if (line is null)
            return null;
        return line[0] == '+' ? new PaletteReply(line[1..], IsStatus: true) : new PaletteReply(await Text(line, cancel), IsStatus: false);
    }

    private async Task<string> Text(string line, CancellationToken cancel)
    {
        switch (line[0])
        {
            case '+': return line[1..] + "\n";
            case '-': throw new PaletteClientError(line.StartsWith("-ERR ", StringComparison.Ordinal) ? line[5..] : line[1..]);
            case ':': return line[1..] + "\n";
            case '$':
                var length = int.Parse(line.AsSpan(1));
                if (length < 0) return "";
                var data = new byte[length + 2];
                await _stream.ReadExactlyAsync(data, cancel);
                return Encoding.UTF8.GetString(data, 0, length);
            case '*':
                var count = int.Parse(line.AsSpan(1));
                var text = new StringBuilder();
                for (var i = 0; i < count; i++)
                    text.Append(await Receive(cancel));
                return text.ToString();
            default:
                throw new PaletteClientError($"unexpected reply from the command palette: {line}");
        }
    }

    private async Task<string?> ReadLine(CancellationToken cancel)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await _stream.ReadAsync(one, cancel) == 0)
                return bytes.Count == 0 ? null : throw new PaletteClientError("the command palette closed the connection mid-reply");
            if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r')
                return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            bytes.Add(one[0]);
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}

/// <summary>One reply: a status line (+OK) or the text of an answer.</summary>
public sealed record PaletteReply(string Text, bool IsStatus);

/// <summary>An error the palette answered, or a connection problem, shown to the operator as one line.</summary>
public sealed class PaletteClientError(string message) : Exception(message);
