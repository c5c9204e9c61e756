using AkkaRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace AkkaRouter.Http;

/// <summary>Finds a request's route and takes its key as the route says (akka-router.http.routes).</summary>
public sealed class HttpRouteTable
{
    private readonly HttpRouteSettings[] _routes;

    public HttpRouteTable(IReadOnlyList<HttpRouteSettings> routes) => _routes = routes.ToArray();

    /// <summary>The request's key, or null when routes are configured and none matches.</summary>
    /// <remarks>A matching route whose key source is absent from the request (no such header, parameter or cookie) keys on the path.</remarks>
    public string? KeyOf(HttpRequest request) => Match(request, out _);

    /// <summary>The request's key and the position of its route in the settings (-1 for the catch-all when no routes are configured); null when none matches.</summary>
    public string? Match(HttpRequest request, out int matched)
    {
        matched = -1;
        var path = request.Path.HasValue ? request.Path.Value! : "/";
        if (_routes.Length == 0)
            return path;
        for (var position = 0; position < _routes.Length; position++)
        {
            var route = _routes[position];
            matched = position;
            if (route.Host.Length > 0 && !string.Equals(route.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase))
                continue;
            if (route.Source == HttpKeySource.PathCapture)
            {
                var match = route.Path!.Match(path);
                if (!match.Success)
                    continue;
                var group = int.TryParse(route.KeyName, out var number) ? match.Groups[number] : match.Groups[route.KeyName];
                return group.Success && group.Length > 0 ? group.Value : path;
            }
            if (route.Path is not null && !route.Path.IsMatch(path))
                continue;
            var key = route.Source switch
            {
                HttpKeySource.Header => request.Headers[route.KeyName].ToString(),
                HttpKeySource.Query => request.Query[route.KeyName].ToString(),
                HttpKeySource.Cookie => request.Cookies[route.KeyName],
                HttpKeySource.ClientAddress => request.HttpContext.Connection.RemoteIpAddress?.ToString(),
                _ => path,
            };
            return string.IsNullOrEmpty(key) ? path : key;
        }
        matched = -1;
        return null;
    }
}
