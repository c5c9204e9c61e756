using System.Net.Sockets;
using AkkaRouter.Tests.Support;
using StackExchange.Redis;

namespace AkkaRouter.Tests.Resp;

/// <summary>A node whose RESP port speaks TLS only (akka-router.resp.tls), with a certificate made for it.</summary>
public sealed class TlsNode : RespNode, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("akkarouter-resp-tls-").FullName;

    public TlsNode() => TestCertificates.Write(CertificatePath, KeyPath, "resp");

    public string CertificatePath => Path.Combine(_directory, "resp.crt");
    public string KeyPath => Path.Combine(_directory, "resp.key");

    protected override string Hocon => ThreeBackends + $$"""

        akka-router.resp.tls { enabled = on, certificate = "{{CertificatePath}}", key = "{{KeyPath}}" }
        """;

    public void Dispose()
    {
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}

public class RespTlsSpecs(TlsNode node) : IClassFixture<TlsNode>
{
    [Fact(DisplayName = "redis-cli --tls gets the key's owner from the TLS RESP port")]
    public async Task Redis_cli_over_tls()
    {
        var result = await ToolProcess.RedisCli(node.Port, "--tls", "--cacert", node.CertificatePath, "--sni", "localhost", "GET", "/documents/abc");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(node.Owner("/documents/abc"), result.Stdout.Trim());
    }

    [Fact(DisplayName = "StackExchange.Redis with ssl=true (certificate validated against the node's own) connects and gets owners")]
    public async Task StackExchange_redis_over_tls()
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{node.Port},ssl=true,sslHost=localhost,connectTimeout=5000");
        options.TrustIssuer(node.CertificatePath);
        await using var mux = await ConnectionMultiplexer.ConnectAsync(options);
        var db = mux.GetDatabase();
        foreach (var key in new[] { "/documents/1", "/documents/2", "user:42" })
            Assert.Equal(node.Owner(key), (string?)await db.StringGetAsync(key));
    }

    [Fact(DisplayName = "A plain-text client on the TLS port gets no reply and is disconnected; TLS clients and the node carry on")]
    public async Task Plain_text_client_is_dropped()
    {
        using var plain = new TcpClient();
        await plain.ConnectAsync("127.0.0.1", node.Port);
        var stream = plain.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray());
        // The node may answer the broken handshake with a TLS alert, never with a RESP reply, and then closes.
        var received = new List<byte>();
        var buffer = new byte[256];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, deadline.Token);
            }
            catch (IOException)
            {
                break; // reset by the node
            }
            if (read == 0)
                break;
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }
        Assert.DoesNotContain("PONG", System.Text.Encoding.ASCII.GetString(received.ToArray()), StringComparison.Ordinal);

        var result = await ToolProcess.RedisCli(node.Port, "--tls", "--cacert", node.CertificatePath, "--sni", "localhost", "PING");
        Assert.Equal("PONG", result.Stdout.Trim());
    }
}
