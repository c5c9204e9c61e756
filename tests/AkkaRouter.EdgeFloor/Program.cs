// akkarouter-edge-floor --port PORT --backend HOST:PORT [--platform-defaults] [--answer | --lean | --direct [--backend HOST:PORT ...]]
//
// Kestrel + YARP's IHttpForwarder sending every request to one fixed backend over a pooled keep-alive client: no
// ring, no actors, no metrics, no routes, no admission checks, no forwarded headers. It is what the HTTP edge costs
// with the product taken out. By default it runs with the edge's platform tuning (socket continuations inline on one
// epoll thread on 2 cores, Kestrel's inline scheduling: src/AkkaRouter/Hosting/RuntimeTuning.cs and HttpEdgeServer);
// --platform-defaults leaves ASP.NET Core's and the runtime's defaults alone, to show what that tuning buys.
// --answer forwards nothing: it fetches the backend's response once at start and answers every request with those
// bytes from Kestrel itself. That is what any front built on Kestrel pays before it forwards anything: with the
// outbound leg taken out, the gap left to nginx (which proxies) cannot be closed by a leaner outbound client.
// --lean forwards through YARP as the floor does, over LeanHttp11Handler (a minimal HTTP/1.1 client) instead of
// SocketsHttpHandler: what a leaner outbound client under YARP buys.
// --direct forwards through the edge's own forwarder (src/AkkaRouter/Http/Upstream/DirectForwarder.cs) instead of YARP,
// with nothing else of the product: the floor of the forwarder the edge uses for requests without a body. Given more
// than one --backend, it spreads paths over them by the path's string hash modulo their count (nginx's `hash
// $request_uri` without `consistent`): the edge's topology, several backends and their connection pools, without its ring.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

string? port = null;
var backends = new List<string>();
var defaults = false;
var answer = false;
var lean = false;
var direct = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length: port = args[++i]; break;
        case "--backend" when i + 1 < args.Length: backends.Add(args[++i]); break;
        case "--platform-defaults": defaults = true; break;
        case "--answer": answer = true; break;
        case "--lean": lean = true; break;
        case "--direct": direct = true; break;
        default:
            Console.Error.WriteLine($"akkarouter-edge-floor: unknown argument '{args[i]}'; {Usage}");
            return 2;
    }
}
if (!int.TryParse(port, out var listenPort) || backends.Count == 0 || backends.Count > 1 && !direct)
{
    Console.Error.WriteLine($"akkarouter-edge-floor: {Usage}");
    return 2;
}
var backend = backends[0];

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
var sockets = new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    ActivityHeadersPropagator = null,
};
var client = new HttpMessageInvoker(lean ? new AkkaRouter.EdgeFloor.LeanHttp11Handler(sockets) : sockets, disposeHandler: true);
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
var destination = "http://" + backend;
if (answer)
{
    // The backend's response, headers and body, as it sends it (Date, Connection and the framing headers are
    // Kestrel's to write); the same bytes for every request.
    using var original = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, destination + "/"), CancellationToken.None);
    var status = (int)original.StatusCode;
    var body = await original.Content.ReadAsByteArrayAsync();
    var skip = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Date", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length" };
    // NonValidated: the values as received, not re-parsed (a parsed Server header splits at its spaces).
    var headers = original.Headers.NonValidated.Concat(original.Content.Headers.NonValidated)
        .Where(h => !skip.Contains(h.Key))
        .Select(h => (h.Key, new Microsoft.Extensions.Primitives.StringValues(h.Value.ToArray())))
        .ToArray();
    app.Run(context =>
    {
        var response = context.Response;
        response.StatusCode = status;
        foreach (var (name, value) in headers)
            response.Headers[name] = value;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, 0, body.Length);
    });
}
else if (direct)
{
    // The edge's default timeouts (hocon/akkarouter.conf: connect-timeout, request-timeout, pooled-connection-idle-timeout).
    var edgeForwarder = new AkkaRouter.Http.Upstream.DirectForwarder(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60));
    var destinations = backends.ToArray();
    string Pick(HttpContext context) => destinations.Length == 1 ? destinations[0]
        : destinations[(int)((uint)(context.Request.Path.Value ?? "/").GetHashCode() % (uint)destinations.Length)];
    app.Run(async context =>
    {
        if (!AkkaRouter.Http.Upstream.DirectForwarder.CanForward(context)
            || await edgeForwarder.SendAsync(context, Pick(context)) is not ForwarderError.None and var error && !context.Response.HasStarted)
            context.Response.StatusCode = 502;
    });
}
else
{
    // What the edge does with a forwarding error (a 502 written by YARP) is all the floor does: nothing more.
    app.Run(async context => await forwarder.SendAsync(context, destination, client, ForwarderRequestConfig.Empty, HttpTransformer.Empty));
}
Console.WriteLine($"akkarouter-edge-floor: listening on 127.0.0.1:{listenPort}, {(answer ? "answering with the response of " : lean ? "forwarding (lean HTTP/1.1 client) to " : direct ? "forwarding (the edge's direct forwarder) to " : "forwarding to ")}{destination}{(backends.Count > 1 ? $" and {backends.Count - 1} more, by path" : "")}{(defaults ? " (platform defaults)" : "")}");
await app.RunAsync();
return 0;

partial class Program
{
    private const string Usage = "usage: --port PORT --backend HOST:PORT [--platform-defaults] [--answer | --lean | --direct [--backend HOST:PORT ...]]";
}
