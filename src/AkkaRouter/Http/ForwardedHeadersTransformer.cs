using System.Net;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AkkaRouter.Http;

/// <summary>
/// Copies the request as YARP's base transformer does (original Host kept, hop-by-hop headers dropped; a path holding a
/// '%' escaped as the direct forwarder escapes it) and adds X-Forwarded-For (appended to any the client sent, as nginx's
/// $proxy_add_x_forwarded_for), -Proto and -Host.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var request = httpContext.Request;
        // YARP escapes every '%' left in the path, and Kestrel leaves an encoded slash encoded: "/a%2Fb" would reach
        // the backend as "/a%252Fb". A path with a '%' gets the target the direct forwarder sends instead (the same
        // escaping, %2F kept); any other path escapes the same either way, so YARP's stands.
        if (request.Path.Value is { } path && path.Contains('%'))
            proxyRequest.RequestUri = new Uri(string.Concat(destinationPrefix.AsSpan().TrimEnd('/'), Upstream.DirectForwarder.RequestTarget(request)), UriKind.Absolute);
        var headers = request.Headers;
        var client = ClientText(httpContext.Connection.RemoteIpAddress);
        if (client is not null)
        {
            var earlier = headers["X-Forwarded-For"];
            if (earlier.Count > 0)
                proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", earlier.Count == 0 ? client : $"{earlier}, {client}");
        }
        // The base transform copied the client's own X-Forwarded-Proto/-Host, if any: only then is there one to replace.
        if (headers.ContainsKey("X-Forwarded-Proto"))
            proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        if (request.Host.HasValue)
        {
            if (headers.ContainsKey("X-Forwarded-Host"))
                proxyRequest.Headers.Remove("X-Forwarded-Host");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        }
    }

    // The client address as text, formatted once per address and thread: a keep-alive connection's requests (and a
    // client's connections) share one address, which would otherwise be formatted anew for every request.
    [ThreadStatic]
    private static (IPAddress Address, string Text) t_lastClient;

    internal static string? ClientText(IPAddress? address)
    {
        if (address is null)
            return null;
        var last = t_lastClient;
        if (last.Address is not null && (ReferenceEquals(last.Address, address) || last.Address.Equals(address)))
            return last.Text;
        var text = address.ToString();
        t_lastClient = (address, text);
        return text;
    }
}
