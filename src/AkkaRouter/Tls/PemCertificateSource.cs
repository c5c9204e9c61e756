using System.Security.Cryptography.X509Certificates;
using AkkaRouter.Configuration;

namespace AkkaRouter.Tls;

/// <summary>
/// A listener's server certificate from PEM files (the HTTP edge's, the RESP port's), reloaded when they change: at most once a second a
/// TLS handshake compares the files' modification times; a new pair that loads replaces the current
/// one for the next handshakes (connections already open keep theirs), one that does not load (a
/// half-written pair during a rotation, a mismatched key) is logged and the current one stays.
/// </summary>
public sealed class PemCertificateSource
{
    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly object _gate = new();
    private X509Certificate2 _current;
    private (DateTime Certificate, DateTime Key) _loadedTimes;
    private (DateTime Certificate, DateTime Key) _failedTimes;
    private long _nextCheckTicks;

    private readonly string _listener;

    /// <param name="listener">The listener's name for the log ("HTTP edge", "RESP").</param>
    public PemCertificateSource(TlsSettings settings, string listener)
    {
        _listener = listener;
        _certificatePath = settings.Certificate;
        _keyPath = settings.Key;
        _loadedTimes = Times();
        _current = PemCertificates.Load(_certificatePath, _keyPath);
        _nextCheckTicks = Environment.TickCount64 + 1000;
    }

    /// <summary>The certificate for a new handshake.</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheckTicks))
                CheckFiles();
            return Volatile.Read(ref _current);
        }
    }

    private (DateTime, DateTime) Times() => (File.GetLastWriteTimeUtc(_certificatePath), File.GetLastWriteTimeUtc(_keyPath));

    private void CheckFiles()
    {
        lock (_gate)
        {
            if (Environment.TickCount64 < _nextCheckTicks)
                return;
            Volatile.Write(ref _nextCheckTicks, Environment.TickCount64 + 1000);
            var times = Times();
            if (times == _loadedTimes || times == _failedTimes)
                return;
            try
            {
                var next = PemCertificates.Load(_certificatePath, _keyPath);
                Volatile.Write(ref _current, next);
                _loadedTimes = times;
                Serilog.Log.Information("{Listener} TLS: certificate reloaded from {Certificate} (subject {Subject}, expires {Expires:yyyy-MM-dd})",
                    _listener, _certificatePath, next.Subject, next.NotAfter);
            }
            catch (PemCertificateError e)
            {
                _failedTimes = times;
                Serilog.Log.Warning("{Listener} TLS: the changed certificate files do not load, keeping the current certificate: {Problem}", _listener, e.Message);
            }
        }
    }
}
