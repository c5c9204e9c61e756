using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaRouter.Configuration;

/// <summary>Why a PEM certificate/key pair could not be loaded, and which of the two files is at fault.</summary>
public sealed class PemCertificateError(bool certificate, string message) : Exception(message)
{
    /// <summary>True when the certificate file is at fault, false for the key file.</summary>
    public bool Certificate { get; } = certificate;
}

/// <summary>Loads a server certificate with its private key from PEM files, saying which file is wrong.</summary>
public static class PemCertificates
{
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        var certificateText = ReadFile(certificatePath, certificate: true);
        var keyText = ReadFile(keyPath, certificate: false);
        if (!certificateText.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            throw new PemCertificateError(true, $"'{certificatePath}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            throw new PemCertificateError(false, $"'{keyPath}' holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        try
        {
            using var alone = X509Certificate2.CreateFromPem(certificateText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new PemCertificateError(true, $"'{certificatePath}' cannot be read as a certificate: {e.Message}");
        }
        try
        {
            var pair = X509Certificate2.CreateFromPem(certificateText, keyText);
            if (!pair.HasPrivateKey)
                throw new CryptographicException("no private key");
            return pair;
        }
        // A key of another certificate is an ArgumentException, an unreadable one a CryptographicException.
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new PemCertificateError(false, $"'{keyPath}' is not the private key of '{certificatePath}' or cannot be read: {e.Message}");
        }
    }

    private static string ReadFile(string path, bool certificate)
    {
        var what = certificate ? "certificate" : "key";
        if (path.Length == 0)
            throw new PemCertificateError(certificate, $"no {what} file given (a PEM file path)");
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PemCertificateError(certificate, e is FileNotFoundException or DirectoryNotFoundException
                ? $"{what} file '{path}' not found"
                : $"{what} file '{path}' cannot be read: {e.Message}");
        }
    }
}
