using AkkaRouter.Configuration;

namespace AkkaRouter.Tests.Configuration;

public class HttpLimitsSettingsSpecs
{
    private static RouterSettings Read(string hocon) => RouterSettingsReader.Read(RouterConfig.FromText(hocon));

    [Fact(DisplayName = "HTTP edge limits default as hocon/akkarouter.conf documents: 10000 connections, 8 KiB line, 32 KiB / 100 headers, 30 MiB body, 75s keep-alive, 30s headers, 240 B/s after 5s")]
    public void Limits_default_as_documented()
    {
        var settings = RouterSettingsReader.Read(RouterConfig.Load([], new Dictionary<string, string>()));
        var expected = new HttpLimitsSettings(10_000, 8 * 1024, 32 * 1024, 100, 30 * 1024 * 1024, TimeSpan.FromSeconds(75), TimeSpan.FromSeconds(30),
            new DataRateSettings(240, TimeSpan.FromSeconds(5)), new DataRateSettings(240, TimeSpan.FromSeconds(5)));
        Assert.Equal(expected, settings.Http.ClientLimits);
        Assert.Equal(expected, HttpLimitsSettings.Defaults);
        Assert.Equal(30 * 1024 * 1024, settings.Http.MaxBodySizeFor(-1));
    }

    [Fact(DisplayName = "HTTP edge limits are read as given; 0 turns off the connection cap, the body limit and a data rate; a route's max-body-size wins over the global one")]
    public void Limits_are_read_as_given()
    {
        var settings = Read("""
            akka-router.http {
              routes = [ { path = "^/upload/", max-body-size = 1g }, { path = "^/tiny/", max-body-size = 512 }, { path = "^/free/", max-body-size = 0 }, { } ]
              limits {
                max-connections = 0
                max-request-line-size = 4k
                max-request-headers-size = 1m
                max-header-count = 50
                max-body-size = 2m
                keep-alive-timeout = 10s
                request-headers-timeout = 1500ms
                min-request-body-rate { bytes-per-second = 0, grace-period = 3s }
                min-response-rate { bytes-per-second = 1000.5, grace-period = 1100ms }
              }
            }
            """);
        var limits = settings.Http.ClientLimits;
        Assert.Equal((0L, 4096, 1024 * 1024, 50, 2L * 1024 * 1024), (limits.MaxConnections, limits.MaxRequestLineSize, limits.MaxRequestHeadersSize, limits.MaxHeaderCount, limits.MaxBodySize));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1500)), (limits.KeepAliveTimeout, limits.RequestHeadersTimeout));
        Assert.False(limits.MinRequestBodyRate.Enabled);
        Assert.Equal(new DataRateSettings(1000.5, TimeSpan.FromMilliseconds(1100)), limits.MinResponseRate);
        Assert.True(limits.MinResponseRate.Enabled);
        Assert.Equal([1024L * 1024 * 1024, 512, 0, null], settings.Http.Routes.Select(r => r.MaxBodySize));
        Assert.Equal([1024L * 1024 * 1024, 512, 0, 2 * 1024 * 1024, 2 * 1024 * 1024], new[] { 0, 1, 2, 3, -1 }.Select(settings.Http.MaxBodySizeFor));
    }

    [Theory(DisplayName = "A misspelt limit, globally or on a route, stops the node naming it and the closest known key")]
    [InlineData("akka-router.http.limits.max-conections = 5", "akka-router.http.limits.max-conections", "did you mean 'akka-router.http.limits.max-connections'?")]
    [InlineData("akka-router.http.limits.min-response-rate.bytes-per-sec = 5", "akka-router.http.limits.min-response-rate.bytes-per-sec", "did you mean 'akka-router.http.limits.min-response-rate.bytes-per-second'?")]
    [InlineData("akka-router.http.max-body-size = 5m", "akka-router.http.max-body-size", "did you mean 'akka-router.http.limits.max-body-size'?")]
    [InlineData("akka-router.http.routes = [ { }, { path = \"^/a\", max-body-sise = 1m } ]", "akka-router.http.routes[1].max-body-sise", "did you mean 'akka-router.http.routes[1].max-body-size'?")]
    public void Misspelt_limits_are_refused(string hocon, string key, string problem)
    {
        var error = Assert.Throws<ConfigurationError>(() => Read(hocon));
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem);
    }

    [Theory(DisplayName = "Invalid HTTP edge limits stop the node with one line naming the key and the problem")]
    [InlineData("akka-router.http.limits.max-connections = -1", "akka-router.http.limits.max-connections", "-1 must be 0 (no limit) or greater")]
    [InlineData("akka-router.http.limits.max-connections = many", "akka-router.http.limits.max-connections", "invalid value")]
    [InlineData("akka-router.http.limits.max-request-line-size = 0", "akka-router.http.limits.max-request-line-size", "must be a positive size such as 8k or 30m")]
    [InlineData("akka-router.http.limits.max-request-line-size = 2m", "akka-router.http.limits.max-request-line-size", "2m is above the limit of 1048576 bytes")]
    [InlineData("akka-router.http.limits.max-request-headers-size = huge", "akka-router.http.limits.max-request-headers-size", "invalid value")]
    [InlineData("akka-router.http.limits.max-header-count = 0", "akka-router.http.limits.max-header-count", "0 must be greater than 0")]
    [InlineData("akka-router.http.limits.max-body-size = -1", "akka-router.http.limits.max-body-size", "must be a non-negative size")]
    [InlineData("akka-router.http.routes = [ { }, { max-body-size = lots } ]", "akka-router.http.routes[1].max-body-size", "invalid value")]
    [InlineData("akka-router.http.limits.keep-alive-timeout = 0s", "akka-router.http.limits.keep-alive-timeout", "must be a positive duration")]
    [InlineData("akka-router.http.limits.request-headers-timeout = soon", "akka-router.http.limits.request-headers-timeout", "invalid value")]
    [InlineData("akka-router.http.limits.min-request-body-rate.bytes-per-second = -5", "akka-router.http.limits.min-request-body-rate.bytes-per-second", "-5 must be 0 (off) or a positive number")]
    [InlineData("akka-router.http.limits.min-response-rate.bytes-per-second = fast", "akka-router.http.limits.min-response-rate.bytes-per-second", "'fast' is not a number")]
    [InlineData("akka-router.http.limits.min-response-rate.grace-period = 1s", "akka-router.http.limits.min-response-rate.grace-period", "1s must be longer than 1s")]
    public void Invalid_limits_name_key_and_problem(string hocon, string key, string problem)
    {
        var error = Assert.Throws<ConfigurationError>(() => Read(hocon));
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem);
    }
}
