using System.Net;
using System.Security.Cryptography.X509Certificates;
using AkkaRouter.Configuration;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Http;

/// <summary>
/// HTTPS from the edge to backends (akka-router.http.backend-tls): real Kestrel backends serving HTTPS only with a
/// certificate for 127.0.0.1, validated against the configured CA file, per route or for every request.
/// </summary>
public sealed class BackendTlsSpecs : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("akkarouter-backend-tls-").FullName;
    private readonly List<TestBackend> _backends = [];
    private string Certificate => Path.Combine(_directory, "backend.pem");
    private string Key => Path.Combine(_directory, "backend.key");

    public async Task InitializeAsync()
    {
        TestCertificates.Write(Certificate, Key, "backend");
        using var pem = X509Certificate2.CreateFromPemFile(Certificate, Key);
        // Kestrel on Linux needs the key in a form it can use for the handshake: a PKCS#12 round trip gives it.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        foreach (var name in new[] { "secure-1", "secure-2" })
            _backends.Add(await TestBackend.StartHttps(name, certificate));
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends)
            await backend.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(DisplayName = "backend-tls on with the backends' CA: every request reaches its owner over HTTPS and the client gets the backend's answer")]
    public async Task Https_to_every_backend()
    {
        await using var edge = await EdgeNode.Start(_backends.Select(b => b.Endpoint), $$"""
            akka-router.http { debug-headers = on, backend-tls { enabled = on, ca = "{{Certificate}}" } }
            """);
        var served = new HashSet<string>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await edge.Client.GetAsync($"/documents/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            served.Add(response.Headers.GetValues(TestBackend.ServedBy).Single());
        }
        Assert.Equal(["secure-1", "secure-2"], served.Order());
        Assert.All(_backends, b => Assert.All(b.Seen, r => Assert.Equal("https", r.Scheme)));
    }

    [Fact(DisplayName = "Without the CA the backends' self-signed certificate is refused: 502 naming the failure, no request reaches a backend")]
    public async Task Untrusted_certificate_is_refused()
    {
        await using var edge = await EdgeNode.Start(_backends.Select(b => b.Endpoint), """
            akka-router.http.backend-tls.enabled = on
            """);
        using var response = await edge.Client.GetAsync("/documents/1");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.All(_backends, b => Assert.Empty(b.Seen));
    }

    [Fact(DisplayName = "A route's backend-tls = on reaches its backends over HTTPS while the others stay plain HTTP")]
    public async Task Per_route_https()
    {
        await using var plain = await TestBackend.Start("plain");
        await using var edge = await EdgeNode.Start(_backends.Select(b => b.Endpoint).Append(plain.Endpoint), $$"""
            akka-router.static-backends = [ {{string.Join(", ", _backends.Select(b => $"{{ endpoint = \"{b.Endpoint}\", service = secure }}"))}}, { endpoint = "{{plain.Endpoint}}" } ]
            akka-router.http {
              debug-headers = on
              backend-tls.ca = "{{Certificate}}"
              routes = [ { path = "^/secure/", service = secure, backend-tls = on }, { } ]
            }
            """, expectedOwners: 1);
        await Eventually.True(() => edge.Node.Ring.Find("secure")?.Current.OwnerCount == 2, TimeSpan.FromSeconds(10), "the secure service's backends own keys");
        using var secure = await edge.Client.GetAsync("/secure/a");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.StartsWith("secure-", secure.Headers.GetValues(TestBackend.ServedBy).Single());
        using var other = await edge.Client.GetAsync("/documents/a");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("plain", other.Headers.GetValues(TestBackend.ServedBy).Single());
    }

    [Fact(DisplayName = "A backend-tls.ca file that does not exist stops the node at start with one line naming the key")]
    public void Missing_ca_names_the_key()
    {
        var error = Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText(
            $"akka-router.http.backend-tls {{ enabled = on, ca = \"{Path.Combine(_directory, "missing.pem")}\" }}")));
        Assert.Equal("akka-router.http.backend-tls.ca", error.Key);
        Assert.Contains("cannot read", error.Problem);
    }
}
