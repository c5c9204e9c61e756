using System.Net;
using AkkaRouter.Configuration;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Http;

public class HttpRouteSpecs
{
    private const string Routes = """
        akka-router.http.routes = [
          { path = "^/users/(?<id>[0-9]+)(/|$)", key = "path:id" }
          { path = "^/orders/([a-z]+)/", key = "path:1" }
          { path = "^/tenant/", host = "api.example", key = "header:X-Tenant" }
          { path = "^/search", key = "query:user" }
          { path = "^/session", key = "cookie:sid" }
          { path = "^/mine", key = "client-address" }
        ]
        """;

    private static RouterSettings Read(string hocon) => RouterSettingsReader.Read(RouterConfig.FromText(hocon));

    [Fact(DisplayName = "Routes from HOCON take the key from a path capture, a header, a query parameter, a cookie or the client address")]
    public async Task Routes_key_as_configured()
    {
        var backends = new List<TestBackend>();
        for (var i = 1; i <= 3; i++)
            backends.Add(await TestBackend.Start($"backend-{i}"));
        try
        {
            await using var edge = await EdgeNode.Start(backends.Select(b => b.Endpoint), Routes);
            string NameOf(string key) => backends.Single(b => b.Endpoint == edge.OwnerOf(key)).Name;
            async Task<string> ServedBy(HttpRequestMessage request)
            {
                using var response = await edge.Client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return response.Headers.GetValues(TestBackend.ServedBy).Single();
            }

            for (var i = 0; i < 12; i++)
            {
                Assert.Equal(NameOf($"{i}"), await ServedBy(new HttpRequestMessage(HttpMethod.Get, $"/users/{i}/profile?x={i}")));
                Assert.Equal(NameOf($"shop{(char)('a' + i)}"), await ServedBy(new HttpRequestMessage(HttpMethod.Get, $"/orders/shop{(char)('a' + i)}/items")));

                var tenant = new HttpRequestMessage(HttpMethod.Get, $"/tenant/path-{i}");
                tenant.Headers.Host = "API.example:8080";
                tenant.Headers.Add("X-Tenant", $"tenant-{i}");
                Assert.Equal(NameOf($"tenant-{i}"), await ServedBy(tenant));

                Assert.Equal(NameOf($"user-{i}"), await ServedBy(new HttpRequestMessage(HttpMethod.Get, $"/search?q=x&user=user-{i}")));

                var session = new HttpRequestMessage(HttpMethod.Get, $"/session/{i}");
                session.Headers.Add("Cookie", $"theme=dark; sid=session-{i}");
                Assert.Equal(NameOf($"session-{i}"), await ServedBy(session));
            }
            Assert.Equal(NameOf("127.0.0.1"), await ServedBy(new HttpRequestMessage(HttpMethod.Get, "/mine")));
            // A matched route whose key source is absent keys on the path.
            Assert.Equal(NameOf("/search"), await ServedBy(new HttpRequestMessage(HttpMethod.Get, "/search")));

            var wrongHost = new HttpRequestMessage(HttpMethod.Get, "/tenant/x");
            wrongHost.Headers.Host = "other.example";
            using var notRouted = await edge.Client.SendAsync(wrongHost);
            Assert.Equal(HttpStatusCode.NotFound, notRouted.StatusCode);
            Assert.Equal("404 no route matches GET other.example/tenant/x\n", await notRouted.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var backend in backends)
                await backend.DisposeAsync();
        }
    }

    [Theory(DisplayName = "An invalid route stops the node at start with an error naming the route")]
    [InlineData("{ path = \"^/a\" }, { path = \"^/b\" }, { path = \"^/(unclosed\" }", "akka-router.http.routes[2].path", "not a valid regular expression")]
    [InlineData("{ path = \"^/a\", key = \"body:x\" }", "akka-router.http.routes[0].key", "unknown key source 'body:x'")]
    [InlineData("{ path = \"^/a\" }, { path = \"^/b/([0-9]+)\", key = \"path:2\" }", "akka-router.http.routes[1].key", "has no capture group '2'")]
    [InlineData("{ path = \"^/b/(?<id>[0-9]+)\", key = \"path:name\" }", "akka-router.http.routes[0].key", "has no capture group 'name'")]
    [InlineData("{ key = \"path:1\" }", "akka-router.http.routes[0].key", "no path regex")]
    [InlineData("{ path = \"^/a\", key = \"header:\" }", "akka-router.http.routes[0].key", "names no header")]
    [InlineData("\"^/a\"", "akka-router.http.routes[0]", "must be an object")]
    public void Invalid_routes_name_the_route(string routes, string key, string problem)
    {
        var error = Assert.Throws<ConfigurationError>(() => Read($"akka-router.http.routes = [ {routes} ]"));
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem);
    }

    [Theory(DisplayName = "Invalid edge limits name their key")]
    [InlineData("akka-router.http.max-attempts = 0", "akka-router.http.max-attempts")]
    [InlineData("akka-router.http.request-timeout = 0s", "akka-router.http.request-timeout")]
    [InlineData("akka-router.http.connect-timeout = soon", "akka-router.http.connect-timeout")]
    [InlineData("akka-router.http.circuit-breaker.failure-threshold = -1", "akka-router.http.circuit-breaker.failure-threshold")]
    public void Invalid_limits_name_their_key(string hocon, string key) =>
        Assert.Equal(key, Assert.Throws<ConfigurationError>(() => Read(hocon)).Key);

    [Fact(DisplayName = "The edge's defaults: port 8080, no routes, 3 attempts, 3s connect, 30s request timeout, circuit 5 failures / 5s")]
    public void Edge_defaults()
    {
        var http = Read("").Http;
        Assert.Equal(new ListenerSettings(true, "127.0.0.1", 8080), http.Listener);
        Assert.Empty(http.Routes);
        Assert.Equal((3, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30), 5, TimeSpan.FromSeconds(5), false),
            (http.MaxAttempts, http.ConnectTimeout, http.RequestTimeout, http.CircuitBreaker.FailureThreshold, http.CircuitBreaker.ResetTimeout, http.DebugHeaders));
    }

    [Fact(DisplayName = "A node whose routes are invalid does not start: `akkarouter run` prints the route's key and exits non-zero")]
    public async Task Node_with_invalid_route_does_not_start()
    {
        await using var node = NodeProcess.Start(["run"], """
            akka.remote.dot-netty.tcp.port = 0
            akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
            akka-router.http.routes = [ { path = "^/ok" }, { path = "^/x", key = "path:3" } ]
            """);
        Assert.NotEqual(0, await node.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains("akka-router.http.routes[1].key", node.Output);
    }
}
