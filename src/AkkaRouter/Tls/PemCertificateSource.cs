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
    private System.Net.Security.SslStreamCertificateContext _context;
    private (DateTime Certificate, DateTime Key) _loadedTimes;
    private (DateTime Certificate, DateTime Key) _failedTimes;
    private long _nextCheckTicks;

    private readonly string _listener;
    private readonly Prometheus.Counter? _reloads;

    /// <param name="listener">The listener's name for the log ("HTTP edge", "RESP").</param>
    /// <param name="reloads">Counts each re-read by listener and result (loaded, kept); optional.</param>
    public PemCertificateSource(TlsSettings settings, string listener, Prometheus.Counter? reloads = null)
    {
        _reloads = reloads;
        _listener = listener;
        _certificatePath = settings.Certificate;
        _keyPath = settings.Key;
        _loadedTimes = Times();
        _current = PemCertificates.Load(_certificatePath, _keyPath);
        _context = ContextOf(_current);
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

    /// <summary>
    /// The certificate for a new handshake as a ready context: its chain is built once per loaded pair, not once per
    /// handshake (which a certificate given alone, or by a selector, costs: a chain build against the system store).
    /// </summary>
    public System.Net.Security.SslStreamCertificateContext Context
    {
        get
        {
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheckTicks))
                CheckFiles();
            return Volatile.Read(ref _context);
        }
    }

    // offline: the chain is completed from the files and the local stores only, never fetched.
    private static System.Net.Security.SslStreamCertificateContext ContextOf(X509Certificate2 certificate) =>
        System.Net.Security.SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);

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
                Volatile.Write(ref _context, ContextOf(next));
                Volatile.Write(ref _current, next);
                _loadedTimes = times;
                _reloads?.WithLabels(_listener, "loaded").Inc();
                Serilog.Log.Information("{Listener} TLS: certificate reloaded from {Certificate} (subject {Subject}, expires {Expires:yyyy-MM-dd})",
                    _listener, _certificatePath, next.Subject, next.NotAfter);
            }
            catch (PemCertificateError e)
            {
                _failedTimes = times;
                _reloads?.WithLabels(_listener, "kept").Inc();
                Serilog.Log.Warning("{Listener} TLS: the changed certificate files do not load, keeping the current certificate: {Problem}", _listener, e.Message);
            }
        }
    }
}
