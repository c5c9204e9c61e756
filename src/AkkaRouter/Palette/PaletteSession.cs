using System.Buffers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using AkkaRouter.Resp;
using AkkaRouter.Resp.Commands;

namespace AkkaRouter.Palette;

/// <summary>
/// One command-palette connection: RESP-framed commands in, plain-text answers out as bulk strings
/// (so `redis-cli -p 9110 cluster show` works as well as `akkarouter cmd`).
/// </summary>
/// <remarks>A streaming command (`cluster tail`) sends one bulk string per event until the client disconnects.</remarks>
internal sealed class PaletteSession(Socket socket, PaletteCatalog catalog, string password)
{
    private const int BufferSize = 64 * 1024;

    // A frame larger than the receive buffer gets a protocol error rather than a silent close.
    internal static readonly RespParser Parser = new(RespLimits.Default with
    {
        MaxArguments = 64, MaxBulkLength = BufferSize / 2, MaxInlineLength = BufferSize / 2, MaxMultibulkLength = BufferSize / 2,
    });

    private readonly byte[] _password = Encoding.UTF8.GetBytes(password);
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private bool _authenticated = password.Length == 0;

    /// <summary>Closes the connection now (node shutdown).</summary>
    public void Abort() => socket.Dispose();

    public async Task Run()
    {
        var buffer = new byte[BufferSize];
        var writer = new RespWriter(_output);
        var command = new RespCommand();
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                    return;
                var received = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                if (received == 0)
                    return;
                filled += received;
                var offset = 0;
                while (offset < filled)
                {
                    var status = Parser.TryParse(buffer.AsMemory(offset, filled - offset), command, out var used);
                    offset += used;
                    if (status == RespParseStatus.Incomplete)
                        break;
                    if (status == RespParseStatus.Error)
                    {
                        writer.Raw(command.Error!.Reply);
                        await Flush();
                        return;
                    }
                    var args = Enumerable.Range(0, command.Count).Select(command.GetString).ToArray();
                    if (!await Answer(args, writer))
                        return;
                    await Flush();
                }
                filled -= offset;
                Buffer.BlockCopy(buffer, offset, buffer, 0, filled);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }

    // Returns false when the connection is over (QUIT, or the end of a stream).
    private async Task<bool> Answer(string[] args, RespWriter writer)
    {
        var name = args.Length > 0 ? args[0].ToLowerInvariant() : "";
        switch (name)
        {
            case "auth" when args.Length is < 2 or > 3:
                writer.Error("ERR wrong number of arguments for 'auth' command");
                return true;
            case "auth" when _password.Length == 0:
                writer.Raw(RespErrors.NoPasswordConfigured);
                return true;
            case "auth":
                _authenticated = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(args[^1]), _password);
                writer.Raw(_authenticated ? RespLiterals.Ok : RespErrors.WrongPass);
                return true;
            case "quit":
                writer.Raw(RespLiterals.Ok);
                await Flush();
                return false;
            case "ping":
                writer.Raw(RespLiterals.Pong);
                return true;
            case "command":
                // redis-cli asks for command docs on connect; the palette has its own `help`.
                writer.Raw(RespLiterals.EmptyArray);
                return true;
        }
        if (!_authenticated)
        {
            writer.Raw(RespErrors.NoAuth);
            return true;
        }
        try
        {
            var parsed = PaletteArguments.Parse(args);
            var found = catalog.Find(parsed);
            if (!found.IsStreaming)
            {
                writer.BulkString(await found.Run!(parsed));
                return true;
            }
            return await Stream(found, parsed, writer);
        }
        catch (PaletteUsageError e)
        {
            writer.Error($"ERR {e.Message}");
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Serilog.Log.Warning(e, "Command palette: '{Command}' failed", string.Join(' ', args));
            writer.Error($"ERR {string.Join(' ', args.Take(2))} failed: {e.Message}");
            return true;
        }
    }

    /// <summary>Byte a client sends to end a stream and keep the session (`akkarouter cmd` sends it on Ctrl+C).</summary>
    public const byte StopStream = (byte)'\n';

    // Streams until the client sends StopStream (answered with +OK, the session goes on) or goes
    // away (the session ends). Returns whether the session goes on.
    private async Task<bool> Stream(PaletteCommand command, PaletteArguments args, RespWriter writer)
    {
        using var stop = new CancellationTokenSource();
        var received = socket.ReceiveAsync(new byte[1].AsMemory(), SocketFlags.None).AsTask();
        var watch = received.ContinueWith(_ => stop.Cancel(), TaskScheduler.Default);
        try
        {
            await foreach (var line in command.Stream!(args, stop.Token))
            {
                writer.BulkString(line);
                await Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
        await watch;
        if (received.IsCompletedSuccessfully && received.Result == 1)
        {
            writer.Raw(RespLiterals.Ok);
            return true;
        }
        return false;
    }

    private async Task Flush()
    {
        var pending = _output.WrittenMemory;
        while (pending.Length > 0)
            pending = pending[await socket.SendAsync(pending, SocketFlags.None)..];
        _output.ResetWrittenCount();
    }
}
