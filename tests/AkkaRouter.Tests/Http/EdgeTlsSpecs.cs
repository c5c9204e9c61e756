using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AkkaRouter.Configuration;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Http;

/// <summary>HTTPS on the HTTP edge (akka-router.http.tls) with certificates the specs make themselves, real Kestrel backends and HttpClient.</summary>
public sealed class EdgeTlsSpecs : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("akkarouter-tls-").FullName;

    private string CertificatePath => Path.Combine(_directory, "edge.crt");
    private string KeyPath => Path.Combine(_directory, "edge.key");

    private static string Write(string certificatePath, string keyPath, string subject) => TestCertificates.Write(certificatePath, keyPath, subject);

    private string Hocon => $$"""
        akka-router.http.tls { enabled = on, certificate = "{{CertificatePath}}", key = "{{KeyPath}}" }
        """;

    /// <summary>An HTTP/2 client that trusts whatever the edge presents and records its thumbprint; no pooled connection outlives a request when <paramref name="fresh"/>.</summary>
    private static HttpClient Client(IPEndPoint edge, Action<string> seen, bool fresh = false) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = fresh ? TimeSpan.Zero : Timeout.InfiniteTimeSpan,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen(certificate!.GetCertHashString());
                return true;
            },
        },
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{edge.Port}"),
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(20),
    };

    [Fact(DisplayName = "With tls on, HttpClient gets HTTP/2 over TLS from the edge and the key's owner answers")]
    public async Task Https_and_http2()
    {
        var thumbprint = Write(CertificatePath, KeyPath, "edge-1");
        await using var backend = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([backend.Endpoint], Hocon);
        string? seen = null;
        using var client = Client(edge.Http, t => seen = t);
        using var response = await client.GetAsync("/documents/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("a", response.Headers.GetValues(TestBackend.ServedBy).Single());
        Assert.Equal(thumbprint, seen);
    }

    [Fact(DisplayName = "Certificate files replaced in place are served to new connections within seconds, and no request fails across the rotation")]
    public async Task Reload_without_failures()
    {
        Write(CertificatePath, KeyPath, "edge-1");
        await using var backend = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([backend.Endpoint], Hocon);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var client = Client(edge.Http, seen.Enqueue, fresh: true);
        var failures = 0;
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync($"/documents/{requests}");
                    if (response.StatusCode != HttpStatusCode.OK)
                        Interlocked.Increment(ref failures);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
                Interlocked.Increment(ref requests);
            }
        });
        await Eventually.True(() => Volatile.Read(ref requests) > 20, TimeSpan.FromSeconds(15), "requests over TLS before the rotation");
        var rotated = Write(CertificatePath, KeyPath, "edge-2");
        await Eventually.True(() => seen.Contains(rotated), TimeSpan.FromSeconds(15), "a new connection presented the rotated certificate");
        var after = Volatile.Read(ref requests);
        await Eventually.True(() => Volatile.Read(ref requests) > after + 20, TimeSpan.FromSeconds(15), "requests after the rotation");
        await stop.CancelAsync();
        await load;
        Assert.Equal(0, failures);
    }

    [Fact(DisplayName = "A rotation that leaves a key not matching the certificate keeps the current certificate, and requests go on")]
    public async Task Mismatched_rotation_keeps_current()
    {
        var first = Write(CertificatePath, KeyPath, "edge-1");
        await using var backend = await TestBackend.Start("a");
        await using var edge = await EdgeNode.Start([backend.Endpoint], Hocon);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        // The edge looks at the files on a handshake, at most once a second: handshake until it has, and kept the current pair.
        var kept = edge.Node.Host.Services.GetRequiredService<AkkaRouter.Metrics.RouterMetrics>().TlsReloads.WithLabels("HTTP edge", "kept");
        await EventuallyAsync.True(async () =>
        {
            using var probe = Client(edge.Http, _ => { }, fresh: true);
            using var _ = await probe.GetAsync("/documents/0");
            return kept.Value >= 1;
        }, TimeSpan.FromSeconds(15), "the edge looked at the changed files and kept its certificate");
        string? seen = null;
        using var client = Client(edge.Http, t => seen = t, fresh: true);
        using var response = await client.GetAsync("/documents/1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(first, seen);
    }

    [Fact(DisplayName = "A missing certificate, a file that is no certificate, and a key of another certificate stop the node at start with one line naming the key")]
    public void Bad_files_name_the_key()
    {
        ConfigurationError Error(string hocon) => Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText(hocon)));

        var missing = Error($$"""akka-router.http.tls { enabled = on, certificate = "{{_directory}}/none.crt", key = "{{KeyPath}}" }""");
        Assert.Equal("akka-router.http.tls.certificate", missing.Key);
        Assert.Contains("not found", missing.Problem, StringComparison.Ordinal);

        Write(CertificatePath, KeyPath, "edge-1");
        var notACertificate = Error($$"""akka-router.http.tls { enabled = on, certificate = "{{KeyPath}}", key = "{{KeyPath}}" }""");
        Assert.Equal("akka-router.http.tls.certificate", notACertificate.Key);

        var otherKey = Path.Combine(_directory, "other.key");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            File.WriteAllText(otherKey, key.ExportPkcs8PrivateKeyPem());
        var mismatch = Error($$"""akka-router.http.tls { enabled = on, certificate = "{{CertificatePath}}", key = "{{otherKey}}" }""");
        Assert.Equal("akka-router.http.tls.key", mismatch.Key);
        Assert.Contains("is not the private key of", mismatch.Problem, StringComparison.Ordinal);

        Assert.False(RouterSettingsReader.Read(RouterConfig.FromText("")).Http.ListenerTls.Enabled);
    }

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
