using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Tests.Http;

/// <summary>What a <see cref="TestBackend"/> saw of one request.</summary>
public sealed record SeenRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Scheme = "http");

/// <summary>
/// A real Kestrel service on 127.0.0.1:0 behind the edge. Every response names the backend (body line and
/// X-Served-By); a few paths exercise bodies, failures and WebSockets.
/// </summary>
public sealed class TestBackend : IAsyncDisposable
{
    public const string ServedBy = "X-Served-By";

    private readonly WebApplication _app;
    private bool _stopped;
    private int _held;

    private TestBackend(WebApplication app, string name)
    {
        _app = app;
        Name = name;
    }

    public string Name { get; }
    public string Endpoint { get; private set; } = "";
    public ConcurrentQueue<SeenRequest> Seen { get; } = new();

    /// <summary>Completed by a spec to make a /broken/ response drop its connection mid-body.</summary>
    public TaskCompletionSource BreakResponses { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>While set, every request waits on it (after it is added to <see cref="Seen"/>) until the spec releases it: a slow backend.</summary>
    public SemaphoreSlim? Gate { get; set; }

    /// <summary>Requests waiting on <see cref="Gate"/> now.</summary>
    public int Held => Volatile.Read(ref _held);

    public static Task<TestBackend> Start(string name) => StartOn(name, 0);

    /// <summary>Starts on a given port (0 = a free one), e.g. to bring a killed backend back where it was.</summary>
    public static Task<TestBackend> StartOn(string name, int port) => StartOn(name, port, null);

    /// <summary>Starts a backend that serves HTTPS only, with <paramref name="certificate"/>.</summary>
    public static Task<TestBackend> StartHttps(string name, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        StartOn(name, 0, certificate);

    private static async Task<TestBackend> StartOn(string name, int port, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, port, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        var backend = new TestBackend(app, name);
        app.UseWebSockets();
        app.Run(backend.Handle);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        backend.Endpoint = $"127.0.0.1:{address.Port}";
        return backend;
    }

    /// <summary>Stops at once: the listener closes and open connections are aborted, as when a process is killed.</summary>
    public async Task Kill()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync(new CancellationToken(canceled: true));
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        await _app.DisposeAsync();
    }

    private async Task Handle(HttpContext context)
    {
        var request = context.Request;
        Seen.Enqueue(new SeenRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), request.Scheme));
        context.Response.Headers[ServedBy] = Name;
        if (Gate is { } gate)
        {
            Interlocked.Increment(ref _held);
            try
            {
                await gate.WaitAsync(context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }
        var path = request.Path.Value ?? "/";
        if (context.WebSockets.IsWebSocketRequest)
        {
            await Echo(await context.WebSockets.AcceptWebSocketAsync());
            return;
        }
        if (path == "/upload")
        {
            var hash = await SHA256.HashDataAsync(request.Body);
            await context.Response.WriteAsync(Convert.ToHexString(hash));
            return;
        }
        if (path.StartsWith("/download/", StringComparison.Ordinal))
        {
            var length = int.Parse(path["/download/".Length..]);
            context.Response.ContentLength = length;
            await context.Response.Body.WriteAsync(Payload(length));
            return;
        }
        if (path.StartsWith("/slow/", StringComparison.Ordinal))
        {
            await Task.Delay(int.Parse(path["/slow/".Length..]), context.RequestAborted);
        }
        else if (path.StartsWith("/broken/", StringComparison.Ordinal))
        {
            // Promise a megabyte, send a little, then drop the connection when the spec says so.
            context.Response.ContentLength = 1 << 20;
            await context.Response.Body.WriteAsync(new byte[16 * 1024]);
            await context.Response.Body.FlushAsync();
            await BreakResponses.Task;
            context.Abort();
            return;
        }
        else if (path.StartsWith("/status/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = int.Parse(path["/status/".Length..]);
        }
        await context.Response.WriteAsync($"{Name} {request.Method} {path}{request.QueryString}\n");
    }

    /// <summary>Deterministic bytes, so a download can be checked against its SHA-256.</summary>
    public static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static async Task Echo(WebSocket socket)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
        }
    }
}
