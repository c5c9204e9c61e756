using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using AkkaRouter.Configuration;

namespace AkkaRouter.Security;

/// <summary>
/// Akka remoting over TLS with mutual authentication (akka-router.security.remote-tls): both sides of every
/// connection between members present a certificate, and a peer is accepted only when its certificate chains to
/// the configured CA — the system's trusted roots play no part, so a certificate any public CA issued is refused.
/// </summary>
public static class RemoteTls
{
    /// <summary>The DotNetty transport's TLS options for <see cref="RemoteOptions"/>: this node's certificate and a validator pinned to the CA.</summary>
    public static SslOptions Options(RemoteTlsSettings settings)
    {
        var certificate = PemCertificates.Load(settings.Certificate, settings.Key);
        var roots = LoadCa(settings.Ca);
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            // Members are who the CA says they are, whatever address they connect from (containers move).
            ValidateCertificateHostname = false,
            CustomValidator = Validator(roots),
        };
    }

    /// <summary>The certificates in a PEM bundle.</summary>
    public static X509Certificate2Collection LoadCa(string path)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(path);
        return roots;
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="roots"/> (intermediates taken from
    /// <paramref name="presented"/>, the chain the peer sent): null when it does, else why not.
    /// </summary>
    public static string? Verify(X509Certificate2 certificate, X509Certificate2Collection roots, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // A private CA publishes no revocation lists; an offline cluster could not fetch them either.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (chain.Build(certificate))
            return null;
        var reasons = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return string.Join(", ", reasons);
    }

    // Called by the transport on both the accepting and the connecting side of every handshake. The platform's
    // verdict (SslPolicyErrors) is against the system store and is ignored: the CA alone decides.
    private static CertificateValidationCallback Validator(X509Certificate2Collection roots) =>
        (certificate, chain, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("Remote TLS: refused {0}: it presented no certificate (akka-router.security.remote-tls)", peer);
                return false;
            }
            var verdict = Verify(certificate, roots, chain);
            if (verdict is null)
                return true;
            log.Warning("Remote TLS: refused {0}: its certificate {1} is not signed by akka-router.security.remote-tls.ca ({2})",
                peer, certificate.Subject, verdict);
            return false;
        };
}
