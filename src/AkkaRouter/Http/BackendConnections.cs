using System.Net;
using System.Net.Sockets;
using AkkaRouter.Configuration;

namespace AkkaRouter.Http;

/// <summary>The one long-lived client the edge forwards through: pooled keep-alive connections to every backend.</summary>
public static class BackendConnections
{
    /// <summary>A proxy's client: no redirects, cookies, decompression, proxy or trace headers of its own.</summary>
    public static HttpMessageInvoker Create(HttpEdgeSettings settings) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout,
            // The client's own trace headers pass through untouched; the edge adds none.
            ActivityHeadersPropagator = null,
            ConnectCallback = (context, cancel) => Connect(context.DnsEndPoint, settings.ConnectTimeout, cancel),
        }, disposeHandler: true);

    // SocketsHttpHandler.ConnectTimeout surfaces as a cancellation, which YARP reports as a 504 and the edge
    // would not retry. A connect that times out here fails like a refused one: a connection-level error
    // that moves the request to the key's next backend.
    private static async ValueTask<Stream> Connect(DnsEndPoint endpoint, TimeSpan timeout, CancellationToken cancel)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, deadline.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SocketException((int)SocketError.TimedOut);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
