// akkarouter-edge-floor --port PORT --backend HOST:PORT [--platform-defaults]
//
// Kestrel + YARP's IHttpForwarder sending every request to one fixed backend over a pooled keep-alive client: no
// ring, no actors, no metrics, no routes, no admission checks, no forwarded headers. It is what the HTTP edge costs
// with the product taken out. By default it runs with the edge's platform tuning (socket continuations inline on one
// epoll thread on 2 cores, Kestrel's inline scheduling: src/AkkaRouter/Hosting/RuntimeTuning.cs and HttpEdgeServer);
// --platform-defaults leaves ASP.NET Core's and the runtime's defaults alone, to show what that tuning buys.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

string? port = null, backend = null;
var defaults = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length: port = args[++i]; break;
        case "--backend" when i + 1 < args.Length: backend = args[++i]; break;
        case "--platform-defaults": defaults = true; break;
        default:
            Console.Error.WriteLine($"akkarouter-edge-floor: unknown argument '{args[i]}'; usage: --port PORT --backend HOST:PORT [--platform-defaults]");
            return 2;
    }
}
if (!int.TryParse(port, out var listenPort) || backend is null)
{
    Console.Error.WriteLine("akkarouter-edge-floor: usage: --port PORT --backend HOST:PORT [--platform-defaults]");
    return 2;
}

if (!defaults)
{
    // As RuntimeTuning.Apply does for the router, before the first socket exists.
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") ?? "1");
    if (Environment.ProcessorCount <= 2)
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT", Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT") ?? "1");
}

var builder = WebApplication.CreateSlimBuilder(args: []);
builder.Configuration.Sources.Clear();
builder.Logging.ClearProviders();
builder.Services.AddHttpForwarder();
if (!defaults)
    builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, listenPort);
});
var app = builder.Build();
var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    ActivityHeadersPropagator = null,
}, disposeHandler: true);
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
var destination = "http://" + backend;
// What the edge does with a forwarding error (a 502 written by YARP) is all the floor does: nothing more.
app.Run(async context => await forwarder.SendAsync(context, destination, client, ForwarderRequestConfig.Empty, HttpTransformer.Empty));
Console.WriteLine($"akkarouter-edge-floor: listening on 127.0.0.1:{listenPort}, forwarding to {destination}{(defaults ? " (platform defaults)" : "")}");
await app.RunAsync();
return 0;
