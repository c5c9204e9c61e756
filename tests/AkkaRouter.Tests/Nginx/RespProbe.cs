using System.Net.Sockets;
using System.Text;

namespace AkkaRouter.Tests.Nginx;

/// <summary>A minimal RESP2 client on a raw socket: asks the router directly, as a reference for what nginx did.</summary>
public sealed class RespProbe : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _input;

    public RespProbe(int port)
    {
        _client = new TcpClient("127.0.0.1", port) { NoDelay = true };
        _stream = _client.GetStream();
        _stream.ReadTimeout = 10_000;
        _input = new BufferedStream(_stream);
    }

    /// <summary>A probe on the router's RESP <paramref name="port"/>, once its ring has <paramref name="owners"/> backends owning keys (DBSIZE).</summary>
    public static async Task<RespProbe> WhenOwners(int port, int owners, TimeSpan timeout)
    {
        var probe = new RespProbe(port);
        try
        {
            var expected = owners.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Support.Eventually.True(() => probe.Call("DBSIZE") == expected, timeout, $"the router's ring holding {owners} backends");
            return probe;
        }
        catch
        {
            probe.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command; returns a simple/bulk string or integer as text, "-ERR ..." for errors.</summary>
    public string Call(params string[] args)
    {
        Send(args);
        return ReadScalar(ReadLine());
    }

    /// <summary>Sends one command whose reply is an array (e.g. RING.LOOKUP); returns its items as text.</summary>
    public IReadOnlyList<string> CallArray(params string[] args)
    {
        Send(args);
        var line = ReadLine();
        if (line[0] != '*')
            throw new InvalidDataException($"{string.Join(' ', args)}: expected an array, got '{ReadScalar(line)}'");
        return Enumerable.Range(0, int.Parse(line[1..])).Select(_ => ReadScalar(ReadLine())).ToList();
    }

    private void Send(string[] args)
    {
        var request = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        _stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
    }

    private string ReadScalar(string line)
    {
        switch (line[0])
        {
            case '+' or ':':
                return line[1..];
            case '-':
                return line;
            case '$':
                var length = int.Parse(line[1..]);
                if (length < 0)
                    return "(nil)";
                var buffer = new byte[length + 2];
                _input.ReadExactly(buffer);
                return Encoding.UTF8.GetString(buffer, 0, length);
            default:
                throw new InvalidDataException($"unexpected RESP reply '{line}'");
        }
    }

    private string ReadLine()
    {
        var line = new List<byte>();
        while (true)
        {
            var b = _input.ReadByte();
            if (b < 0)
                throw new IOException("router closed the connection");
            if (b == '\n' && line.Count > 0 && line[^1] == '\r')
                return Encoding.UTF8.GetString(line.ToArray(), 0, line.Count - 1);
            line.Add((byte)b);
        }
    }

    /// <summary>One field of INFO (e.g. total_connections_received).</summary>
    public long InfoField(string section, string field)
    {
        var info = Call("INFO", section);
        var line = info.Split("\r\n").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"INFO {section} has no {field}:\n{info}");
        return long.Parse(line[(field.Length + 1)..]);
    }

    public void Dispose()
    {
        _input.Dispose();
        _client.Dispose();
    }
}
