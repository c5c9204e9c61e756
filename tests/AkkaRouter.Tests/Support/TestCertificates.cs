using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaRouter.Tests.Support;

/// <summary>Self-signed server certificates for TLS specs, written as PEM the way an operator deploys them.</summary>
public static class TestCertificates
{
    /// <summary>
    /// Writes a new self-signed certificate for 127.0.0.1 and localhost (ECDSA P-256) and its key,
    /// each first beside its path and then renamed into place, as a rotation does; returns the thumbprint.
    /// </summary>
    public static string Write(string certificatePath, string keyPath, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(certificatePath + ".new", certificate.ExportCertificatePem());
        File.WriteAllText(keyPath + ".new", key.ExportPkcs8PrivateKeyPem());
        File.Move(keyPath + ".new", keyPath, overwrite: true);
        File.Move(certificatePath + ".new", certificatePath, overwrite: true);
        return certificate.Thumbprint;
    }
}
