using AkkaRouter.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AkkaRouter.Http;

/// <summary>
/// What the edge refuses before a backend sees a request's headers, beyond what Kestrel's limits refuse while reading
/// it: ambiguous framing, and a declared body over its route's limit. Each answer closes the connection.
/// </summary>
public sealed class RequestAdmission
{
    // Where Kestrel puts the Content-Length of a request that also has Transfer-Encoding.
    private const string DisplacedContentLength = "X-Content-Length";

    // Per route (position in the settings): whether it sets its own max-body-size, and the limit its requests get.
    private readonly bool[] _ownBodyLimits;
    private readonly long[] _bodyLimits;
    // The body limit of requests when no route is configured (0 = none).
    private readonly long _defaultBodyLimit;

    public RequestAdmission(HttpEdgeSettings settings)
    {
        _ownBodyLimits = settings.Routes.Select(r => r.MaxBodySize is not null).ToArray();
        _bodyLimits = settings.Routes.Select((_, i) => settings.MaxBodySizeFor(i)).ToArray();
        _defaultBodyLimit = settings.MaxBodySizeFor(-1);
    }

    /// <summary>
    /// RFC 9112 6.1: a request with both Content-Length and Transfer-Encoding is how requests are smuggled past a
    /// proxy. Kestrel reads it by Transfer-Encoding alone, renames its Content-Length to X-Content-Length and closes the
    /// connection after the response; the edge refuses it outright instead (as nginx and Envoy do).
    /// </summary>
    /// <returns>The one-line answer (status 400), or null when the framing is unambiguous.</returns>
    public static string? AmbiguousFraming(HttpRequest request)
    {
        var headers = request.Headers;
        return headers.TransferEncoding.Count > 0 && (headers.ContentLength is not null || headers.ContainsKey(DisplacedContentLength))
            ? "400 request has both Content-Length and Transfer-Encoding (ambiguous framing)"
            : null;
    }

    /// <summary>
    /// Applies the route's body limit (akka-router.http.limits.max-body-size, or the route's own) to the request: a
    /// declared length over it is refused now; a chunked body is cut off by Kestrel as it grows past it.
    /// </summary>
    /// <param name="route">Position of the request's route in the settings; -1 when no route is configured.</param>
    /// <returns>The one-line answer (status 413), or null when the request may be forwarded.</returns>
    public string? OverBodyLimit(HttpContext context, int route)
    {
        var limit = route >= 0 ? _bodyLimits[route] : _defaultBodyLimit;
        if (route >= 0 && _ownBodyLimits[route] && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = limit == 0 ? null : limit;
        if (limit == 0 || context.Request.ContentLength is not { } length || length <= limit)
            return null;
        return $"413 request body of {length} bytes is over the limit of {limit} bytes";
    }
}
