using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using AkkaRouter.Metrics;
using AkkaRouter.Resp.Commands;

namespace AkkaRouter.Resp;

/// <summary>
/// The I/O loop of one client connection: read, answer every complete command in the buffer,
/// write all replies at once, repeat.
/// </summary>
/// <remarks>
/// Commands parse straight from the receive buffer and replies go straight into one send buffer
/// (no per-command allocation, no actor message per command). Memory is bounded: the receive
/// buffer never exceeds the parser's limit, and no new request is read while replies are unsent,
/// so a client that stops reading holds at most one batch of replies until the watchdog drops it.
/// </remarks>
/// <remarks>With TLS (akka-router.resp.tls) the loop reads and writes through an <see cref="SslStream"/> once the
/// handshake is done (within <see cref="HandshakeTimeout"/>); without it, straight on the socket.</remarks>
internal sealed class RespConnection(Socket socket, RespClient client, RespCommandHandler handler, RespParser parser, RespBatchCounts counts,
    Tls.PemCertificateSource? certificates = null)
{
    /// <summary>A client that has not finished its TLS handshake by then is disconnected.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private SslStream? _tls;

    private const int InitialBufferSize = 16 * 1024;
    private const int FlushThreshold = 64 * 1024;

    private volatile bool _draining;

    /// <summary>Stop reading: commands already received are answered, then the connection closes.</summary>
    public void Drain()
    {
        _draining = true;
        try { socket.Shutdown(SocketShutdown.Receive); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    /// <summary>Close now, abandoning pending reads and writes.</summary>
    public void Abort() => socket.Dispose();

    /// <summary>Runs until the client disconnects, sends QUIT, breaks the protocol or the connection is closed.</summary>
    public async Task Run()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        var output = new ArrayBufferWriter<byte>(InitialBufferSize);
        var writer = new RespWriter(output, client.Protocol);
        var command = new RespCommand();
        var filled = 0;
        try
        {
            if (certificates is not null)
                _tls = await Handshake(certificates);
            while (!_draining)
            {
                if (filled == buffer.Length)
                    buffer = Grow(buffer, filled);
                var received = _tls is null
                    ? await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None)
                    : await _tls.ReadAsync(buffer.AsMemory(filled));
                if (received == 0)
                    break;
                filled += received;
                client.LastActivityTicks = Environment.TickCount64;
                counts.BatchStarted();

                var offset = 0;
                var close = false;
                while (offset < filled && !close)
                {
                    var status = parser.TryParse(buffer.AsMemory(offset, filled - offset), command, out var used);
                    offset += used;
                    if (status == RespParseStatus.Incomplete)
                        break;
                    if (status == RespParseStatus.Error)
                    {
                        writer.Raw(command.Error!.Reply);
                        close = true;
                    }
                    else
                    {
                        close = !handler.Execute(command, writer, client, counts);
                    }
                    if (output.WrittenCount >= FlushThreshold)
                        await Send(output);
                }
                if (output.WrittenCount > 0)
                    await Send(output);
                counts.BatchDone();
                if (close)
                    break;
                filled -= offset;
                if (filled > 0 && offset > 0)
                    Buffer.BlockCopy(buffer, offset, buffer, 0, filled);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException
                                       or IOException or System.Security.Authentication.AuthenticationException)
        {
            // The peer reset the connection, or the server closed it (CLIENT KILL, watchdog, shutdown),
            // or a TLS client failed or did not finish its handshake.
        }
        finally
        {
            counts.Dispose();
            _tls?.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
            try { socket.Shutdown(SocketShutdown.Both); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            socket.Dispose();
        }
    }

    private async ValueTask Send(ArrayBufferWriter<byte> output)
    {
        client.SendStartedTicks = Environment.TickCount64;
        var pending = output.WrittenMemory;
        if (_tls is not null)
            await _tls.WriteAsync(pending);
        while (_tls is null && pending.Length > 0)
        {
            var sent = await socket.SendAsync(pending, SocketFlags.None);
            pending = pending[sent..];
        }
        client.SendStartedTicks = 0;
        output.ResetWrittenCount();
    }

    private async Task<SslStream> Handshake(Tls.PemCertificateSource source)
    {
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        try
        {
            await stream.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = source.Context,
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                ClientCertificateRequired = false,
            }, timeout.Token);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    // The parser rejects any frame larger than its limit before it is complete, so the buffer
    // never has to grow past MaxBufferedBytes.
    private byte[] Grow(byte[] buffer, int filled)
    {
        var limit = (int)Math.Min(parser.Limits.MaxBufferedBytes, Array.MaxLength);
        if (buffer.Length >= limit)
            throw new InvalidOperationException($"RESP frame exceeds {limit} bytes without a protocol error");
        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit));
        Buffer.BlockCopy(buffer, 0, larger, 0, filled);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
