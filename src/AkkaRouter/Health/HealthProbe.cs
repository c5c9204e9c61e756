using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AkkaRouter.Configuration;

namespace AkkaRouter.Health;

/// <summary>The outcome of one health check.</summary>
/// <param name="Failure">Why it failed, in words an operator can act on; empty when it passed.</param>
public sealed record ProbeResult(bool Passed, string Failure, TimeSpan Latency);

/// <summary>One active health check of a service endpoint: a TCP connect, or an HTTP GET (2xx/3xx passes).</summary>
public sealed class HealthProbe(HealthCheckSettings settings, string endpoint) : IDisposable
{
    // No pooling: each check opens its own connection, like HAProxy's and nginx's checks, so a service that stops
    // accepting connections fails its check even while an old keep-alive connection still answers.
    private readonly HttpClient? _http = settings.Type == HealthCheckType.Http
        ? new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = settings.Timeout,
        }) { Timeout = Timeout.InfiniteTimeSpan }
        : null;

    private readonly Uri? _uri = settings.Type == HealthCheckType.Http ? new Uri($"http://{endpoint}{settings.Path}") : null;

    public async Task<ProbeResult> Check()
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.Timeout);
        try
        {
            var failure = settings.Type switch
            {
                HealthCheckType.Tcp => await Connect(timeout.Token),
                HealthCheckType.Http => await Get(timeout.Token),
                _ => "",
            };
            return new ProbeResult(failure.Length == 0, failure, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var what = settings.Type == HealthCheckType.Tcp ? "connect" : $"GET {settings.Path}";
            return new ProbeResult(false, $"{what} timed out after {settings.Timeout.TotalMilliseconds:0} ms", Stopwatch.GetElapsedTime(started));
        }
        catch (SocketException e)
        {
            return new ProbeResult(false, Describe(e), Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, e.InnerException is SocketException s ? Describe(s) : e.Message, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task<string> Connect(CancellationToken cancel)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var (host, port) = Split(endpoint);
        EndPoint target = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port);
        await socket.ConnectAsync(target, cancel);
        return "";
    }

    private async Task<string> Get(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.ParseAdd("akkarouter-health-check");
        using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        var status = (int)response.StatusCode;
        return status is >= 200 and < 400 ? "" : $"GET {settings.Path} answered {status}";
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "host unreachable",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host name not resolved",
        _ => e.Message,
    };

    private static (string Host, int Port) Split(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        return (hostPort[..colon].Trim('[', ']'), int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose() => _http?.Dispose();
}
