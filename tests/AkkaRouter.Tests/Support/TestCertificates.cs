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

    /// <summary>A private CA (ECDSA P-256, CA:TRUE, keyCertSign) written as PEM; the returned certificate carries its key for signing.</summary>
    public static X509Certificate2 WriteCa(string certificatePath, string keyPath, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Outlives the members' certificates (a day), which must expire before their issuer.
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(certificatePath, ca.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return ca;
    }

    /// <summary>A member's certificate (client and server authentication) signed by <paramref name="ca"/>, written as PEM.</summary>
    public static void WriteSigned(string certificatePath, string keyPath, string subject, X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serial = new byte[12];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        File.WriteAllText(certificatePath, signed.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
