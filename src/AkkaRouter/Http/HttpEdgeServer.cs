using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Akka.Actor;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

using AkkaRouter.Metrics;

namespace AkkaRouter.Http;

/// <summary>The edge's Kestrel server: one terminal request delegate, no middleware, no per-request logging.</summary>
public sealed class HttpEdgeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpMessageInvoker _backends;
    private readonly IDisposable _rejections;
    private readonly Upstream.DirectForwarder? _direct;
    private Task? _stopping;

    private HttpEdgeServer(WebApplication app, HttpMessageInvoker backends, IDisposable rejections, Upstream.DirectForwarder? direct)
    {
        _app = app;
        _direct = direct;
        _backends = backends;
        _rejections = rejections;
    }

    /// <summary>Builds (does not start) the server; requests are forwarded with the ring and circuit snapshots and the load counters.</summary>
    public static HttpEdgeServer Create(HttpEdgeSettings settings, RingView ring, BackendCircuits circuits, BackendLoads loads, IActorRef edge,
        HttpEdgeMetrics metrics, TracingSettings? tracing = null)
    {
        var address = ResolveHost(settings.Listener.Host);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // The edge is configured through HOCON only: no appsettings.json, ASPNETCORE_URLS or Kestrel__ variables.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new Hosting.KestrelAcceptWatch(reason => edge.Tell(new HttpEdgeActor.AcceptLoopEnded(reason))));
        builder.Services.AddHttpForwarder();
        // Request handling runs on the socket's epoll thread (inline socket completions are on, see RuntimeTuning)
        // instead of hopping to the thread pool twice per request: the handler never blocks (snapshots, Tell,
        // async YARP). Measured with http-vs-nginx.sh on 2 cores (with one epoll thread): +9% req/s, -21% CPU per request.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            ApplyLimits(kestrel.Limits, settings.ClientLimits);
            if (!settings.ListenerTls.Enabled)
            {
                kestrel.Listen(address, settings.Listener.Port);
                return;
            }
            // TLS 1.2/1.3 from PEM files, reloaded on change; ALPN offers HTTP/2 to clients that ask for it.
            var certificates = new Tls.PemCertificateSource(settings.ListenerTls, "HTTP edge", metrics.TlsReloads);
            kestrel.Listen(address, settings.Listener.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                // A per-connection callback handing out the source's ready context: a certificate selector would make
                // SslStream build a new context (a chain build) on every handshake.
                listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = certificates.Context,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                    }),
                });
            });
        });
        var app = builder.Build();
        var backends = BackendConnections.Create(settings, propagateTraces: tracing?.Edge == true);
        // Traced requests go through YARP's client, which propagates the trace context to backends.
        var direct = settings.DirectForwarding && tracing?.Edge != true
            ? new Upstream.DirectForwarder(settings.ConnectTimeout, settings.RequestTimeout, settings.PooledConnectionIdleTimeout)
            : null;
        var forwarder = new HttpEdgeForwarder(settings, ring, circuits, loads, edge, app.Services.GetRequiredService<IHttpForwarder>(), backends, metrics, tracing, direct);
        app.Run(forwarder.Handle);
        var rejections = RejectedConnections.Count(app.Services.GetRequiredService<IMeterFactory>(), metrics.ConnectionRejected);
        return new HttpEdgeServer(app, backends, rejections, direct);
    }

    // akka-router.http.limits onto Kestrel's limits; 0 means "no limit" where the HOCON allows it.
    private static void ApplyLimits(KestrelServerLimits kestrel, HttpLimitsSettings limits)
    {
        kestrel.MaxConcurrentConnections = limits.MaxConnections == 0 ? null : limits.MaxConnections;
        // A WebSocket leaves the connection count once upgraded; it is capped by the same number on its own.
        kestrel.MaxConcurrentUpgradedConnections = limits.MaxConnections == 0 ? null : limits.MaxConnections;
        kestrel.MaxRequestLineSize = limits.MaxRequestLineSize;
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersSize;
        kestrel.MaxRequestHeaderCount = limits.MaxHeaderCount;
        kestrel.MaxRequestBodySize = limits.MaxBodySize == 0 ? null : limits.MaxBodySize;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.MinRequestBodyDataRate = Rate(limits.MinRequestBodyRate);
        kestrel.MinResponseDataRate = Rate(limits.MinResponseRate);
    }

    private static MinDataRate? Rate(DataRateSettings rate) => rate.Enabled ? new MinDataRate(rate.BytesPerSecond, rate.GracePeriod) : null;

    /// <summary>Binds and starts accepting; returns the bound endpoint (port 0 resolved).</summary>
    public async Task<IPEndPoint> StartAsync()
    {
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(address);
        return new IPEndPoint(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
    }

    /// <summary>Unbinds at once, then lets in-flight requests finish for up to <paramref name="drainTimeout"/> before aborting them.</summary>
    public Task StopAsync(TimeSpan drainTimeout)
    {
        if (_stopping is not null)
            return _stopping;
        return _stopping = Stop(drainTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        await _app.DisposeAsync();
        _backends.Dispose();
        _direct?.Dispose();
        _rejections.Dispose();
    }

    private async Task Stop(TimeSpan drainTimeout)
    {
        using var drain = new CancellationTokenSource(drainTimeout);
        try
        {
            await _app.StopAsync(drain.Token);
        }
        catch (OperationCanceledException)
        {
            // Requests still running after the drain timeout were aborted; that is the bound working.
        }
    }

    private static IPAddress ResolveHost(string host) =>
        host is "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var ip) ? ip
        : Dns.GetHostAddresses(host).FirstOrDefault()
          ?? throw new InvalidOperationException($"cannot resolve host '{host}'");
}
