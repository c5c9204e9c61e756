using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AkkaRouter.Configuration;

namespace AkkaRouter.Http;

/// <summary>The one long-lived client the edge forwards through: pooled keep-alive connections to every backend.</summary>
public static class BackendConnections
{
    /// <summary>A proxy's client: no redirects, cookies, decompression, proxy or trace headers of its own.</summary>
    /// <param name="propagateTraces">Tracing on: each attempt is a client span and the backend gets its traceparent
    /// (replacing the client's, whose span is the edge span's parent).</param>
    public static HttpMessageInvoker Create(HttpEdgeSettings settings, bool propagateTraces = false) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = settings.PooledConnectionIdleTimeout,
            // Tracing off: the client's own trace headers pass through untouched; the edge adds none.
            ActivityHeadersPropagator = propagateTraces ? new Yarp.ReverseProxy.Forwarder.ReverseProxyPropagator(System.Diagnostics.DistributedContextPropagator.Current) : null,
            ConnectCallback = (context, cancel) => Connect(context.DnsEndPoint, settings.ConnectTimeout, cancel),
            SslOptions = BackendSsl(settings.ToBackends),
        }, disposeHandler: true);

    // HTTPS to backends: TLS 1.2/1.3, the certificate validated against the configured CA (chain and name: the
    // endpoint's host, so a backend named by IP needs that IP in its certificate), the system's roots without one,
    // or not at all with verify = off.
    private static SslClientAuthenticationOptions BackendSsl(BackendTlsSettings tls)
    {
        var options = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 };
        if (!tls.Verify)
        {
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            return options;
        }
        if (tls.Ca.Length == 0)
            return options;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(tls.Ca);
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
                return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return options;
    }

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
