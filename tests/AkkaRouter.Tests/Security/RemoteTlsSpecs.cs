using System.Text.RegularExpressions;
using AkkaRouter.Configuration;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Security;

/// <summary>
/// akka-router.security.remote-tls: members authenticate each other with certificates a private CA signed. A
/// process with a certificate from another CA — even one that trusts its own CA, as an intruder would configure
/// it — or without TLS at all never becomes a member, never sees gossip and puts nothing on any ring.
/// </summary>
public sealed partial class RemoteTlsSpecs(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private readonly string _dir = Directory.CreateTempSubdirectory("akkarouter-remote-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    private (string Ca, Func<string, (string Certificate, string Key)> Issue) Authority(string name)
    {
        var ca = TestCertificates.WriteCa(File(name + ".crt"), File(name + ".key"), name);
        return (File(name + ".crt"), subject =>
        {
            TestCertificates.WriteSigned(File(subject + ".crt"), File(subject + ".key"), subject, ca);
            return (File(subject + ".crt"), File(subject + ".key"));
        });
    }

    private static string TlsHocon((string Certificate, string Key) pair, string ca) =>
        $"akka-router.security.remote-tls {{ enabled = on, certificate = \"{pair.Certificate}\", key = \"{pair.Key}\", ca = \"{ca}\" }}";

    private const string FreePorts = """
        akka.remote.dot-netty.tcp.port = 0
        akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }
        """;

    private static string Backend(string seed, int servicePort) => $$"""
        akka.cluster.seed-nodes = ["{{seed}}"]
        akka.cluster.roles = [backend]
        akka-router.node.service-endpoint = "127.0.0.1:{{servicePort}}"
        # No service runs behind it: the ring must show it because it is a member, not because a check passed.
        akka-router.node.health-check.type = none
        """;

    [Fact(DisplayName = "Remote TLS: a member whose certificate the CA signed joins; one signed by another CA, or without TLS, never joins, sees no gossip and is on no ring")]
    public async Task Only_members_the_CA_signed_join()
    {
        var (caFile, issue) = Authority("cluster-ca");
        var (intruderCa, intruderIssue) = Authority("intruder-ca");

        await using var seed = NodeProcess.Start(["run"], FreePorts, "akka.cluster.roles = [router]", TlsHocon(issue("router-1"), caFile));
        await seed.WaitForOutput("is Up with roles [router]", Deadline);
        var seedAddress = UpAddress().Match(seed.Output).Groups[1].Value;
        Assert.StartsWith("akka.ssl.tcp://akkarouter@127.0.0.1:", seedAddress);
        var seedCmd = await PalettePort(seed);

        var started = DateTime.UtcNow;
        await using var member = NodeProcess.Start(["run"], FreePorts, Backend(seedAddress, 19101), TlsHocon(issue("backend-1"), caFile));
        await EventuallyAsync.True(async () => (await Palette(seedCmd, "ring", "show")).Contains("127.0.0.1:19101"), Deadline, "the signed member on the router's ring");
        output.WriteLine($"signed member on the ring {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms after its process started");

        // The intruder trusts its own CA, so its own start-up check passes; the cluster's CA did not sign it.
        await using var intruder = NodeProcess.Start(["run"], FreePorts, Backend(seedAddress, 19102), TlsHocon(intruderIssue("backend-2"), intruderCa));
        await seed.WaitForOutput("CN=backend-2 is not signed by akka-router.security.remote-tls.ca", Deadline);
        // Akka stops a node whose handshake with its seed failed. Whether the intruder also gets to refuse the router's
        // certificate itself depends on which side finishes validating first (the seed closing the channel first was
        // seen in CI), so only the refusal the design guarantees is awaited: the seed's, above, and the exit code.
        var intruderExit = await intruder.WaitForExit(Deadline);
        output.WriteLine($"intruder exited with code {intruderExit}");
        Assert.Equal(AkkaRouter.Hosting.RouterNode.RemoteTlsRefusedExitCode, intruderExit);
        Assert.DoesNotContain("is Up with roles", intruder.Output);

        // Without TLS: its handshake is plain text, so the router drops the connection before any Akka message.
        await using var plain = NodeProcess.Start(["run"], FreePorts, Backend(seedAddress.Replace("akka.ssl.tcp", "akka.tcp"), 19103));
        var plainCmd = await PalettePort(plain);
        await seed.WaitForOutput("due to TLS handshake failure", Deadline);
        var plainView = await Palette(plainCmd, "cluster", "show");
        Assert.Contains("Count: 0 nodes", plainView);

        var ring = await Palette(seedCmd, "ring", "show");
        var cluster = await Palette(seedCmd, "cluster", "show");
        output.WriteLine(cluster + ring);
        Assert.Contains("1 backends", ring);
        Assert.DoesNotContain("127.0.0.1:19102", ring);
        Assert.DoesNotContain("127.0.0.1:19103", ring);
        Assert.Contains("Count: 2 nodes", cluster);
        Assert.DoesNotContain("is Up with roles", plain.Output);
    }

    [Fact(DisplayName = "Remote TLS: a node whose certificate, key or CA file is missing, mismatched or unsigned stops at start with one line naming the key")]
    public async Task Bad_files_stop_the_node_naming_the_key()
    {
        var (caFile, issue) = Authority("cluster-ca");
        var (otherCa, otherIssue) = Authority("other-ca");
        var good = issue("router-1");
        var other = otherIssue("router-2");

        (string Hocon, string Key, string Problem)[] cases =
        [
            (TlsHocon((File("absent.crt"), good.Key), caFile), "remote-tls.certificate", "not found"),
            (TlsHocon((good.Certificate, other.Key), caFile), "remote-tls.key", "is not the private key of"),
            (TlsHocon(good, ""), "remote-tls.ca", "no CA file given"),
            (TlsHocon(good, File("absent-ca.crt")), "remote-tls.ca", "not found"),
            (TlsHocon(good, otherCa), "remote-tls.certificate", "is not signed by"),
            (TlsHocon(good, caFile) + "\nakka.cluster.seed-nodes = [\"akka.tcp://akkarouter@127.0.0.1:4053\"]", "seed-nodes[0]", "akka.ssl.tcp://akkarouter@host:port"),
        ];
        foreach (var (hocon, key, problem) in cases)
        {
            var error = Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText(hocon)));
            Assert.EndsWith(key, error.Key);
            Assert.Contains(problem, error.Problem);
        }

        // One of them as an operator meets it: the process prints the one line and exits non-zero.
        await using var node = NodeProcess.Start(["run"], FreePorts, TlsHocon(good, otherCa));
        var exit = await node.WaitForExit(Deadline);
        Assert.NotEqual(0, exit);
        Assert.Contains("akka-router.security.remote-tls.certificate:", node.Output);
        Assert.DoesNotContain("   at ", node.Output);
    }

    private static async Task<int> PalettePort(NodeProcess node)
    {
        await node.WaitForOutput("Command palette listening on", Deadline);
        return int.Parse(PaletteListening().Match(node.Output).Groups[1].Value);
    }

    private static async Task<string> Palette(int port, params string[] args)
    {
        var result = await ToolProcess.Run(NodeProcess.Executable, null, TimeSpan.FromSeconds(30), ["cmd", $"127.0.0.1:{port}", .. args]);
        return result.Stdout;
    }

    [GeneratedRegex(@"Node (akka[.a-z]*://akkarouter@127\.0\.0\.1:\d+) is Up")]
    private static partial Regex UpAddress();

    [GeneratedRegex(@"Command palette listening on [^\s:]+:(\d+)")]
    private static partial Regex PaletteListening();
}
