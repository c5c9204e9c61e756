using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AkkaRouter.Http;

/// <summary>
/// Copies the request as YARP's base transformer does (original Host kept, hop-by-hop headers dropped) and adds
/// X-Forwarded-For (appended to any the client sent, as nginx's $proxy_add_x_forwarded_for), -Proto and -Host.
/// </summary>
internal sealed class ForwardedHeadersTransformer : HttpTransformer
{
    public static readonly ForwardedHeadersTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var request = httpContext.Request;
        var client = httpContext.Connection.RemoteIpAddress?.ToString();
        if (client is not null)
        {
            var earlier = request.Headers["X-Forwarded-For"];
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", earlier.Count == 0 ? client : $"{earlier}, {client}");
        }
        proxyRequest.Headers.Remove("X-Forwarded-Proto");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        if (request.Host.HasValue)
        {
            proxyRequest.Headers.Remove("X-Forwarded-Host");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        }
    }
}
