using System.Collections.Concurrent;
using System.Globalization;
using AkkaRouter.Http;
using Prometheus;

namespace AkkaRouter.Metrics;

/// <summary>The HTTP edge's metrics: requests by backend and status, their duration, retries, bounded-load spills, and each backend's circuit state.</summary>
/// <remarks>
/// Request counting is one labelled increment per request, small against forwarding itself; circuit
/// states are read from the published <see cref="BackendCircuits"/> snapshot at scrape time.
/// </remarks>
public sealed class HttpEdgeMetrics
{
    private static readonly string[] StatusTexts = Enumerable.Range(0, 600).Select(s => s.ToString(CultureInfo.InvariantCulture)).ToArray();

    private readonly Counter _requests;
    // Per backend endpoint: the request counter's child per status code, filled as statuses occur.
    private readonly ConcurrentDictionary<string, Counter.Child?[]> _requestChildren = new(StringComparer.Ordinal);
    private readonly Histogram _duration;
    private readonly Counter _retries;
    private readonly Counter _spills;
    private readonly Counter _rejectedConnections;

    /// <summary>Certificate re-reads of the edge's listener (see <see cref="RouterMetrics.TlsReloads"/>).</summary>
    public Counter TlsReloads { get; }

    public HttpEdgeMetrics(RouterMetrics metrics, BackendCircuits circuits)
    {
        TlsReloads = metrics.TlsReloads;
        _requests = metrics.HttpRequests;
        _duration = metrics.HttpRequestDuration;
        _retries = metrics.HttpRetries;
        _spills = metrics.HttpSpills;
        _rejectedConnections = metrics.HttpConnectionsRejected;
        var gauge = metrics.HttpCircuitState;
        metrics.Registry.AddBeforeCollectCallback(() =>
        {
            var current = circuits.Current;
            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                if (!current.ContainsKey(labels[0]))
                    gauge.RemoveLabelled(labels);
            }
            foreach (var (endpoint, state) in current)
                gauge.WithLabels(endpoint).Set(state.Phase switch { CircuitPhase.Open => 2, CircuitPhase.HalfOpen => 1, _ => 0 });
        });
    }

    /// <summary>A request answered with <paramref name="status"/>; <paramref name="backend"/> is the last backend tried, or "none".</summary>
    /// <remarks>
    /// The labelled child is looked up once per backend and status, then kept: <c>WithLabels</c> allocates its label
    /// array and hashes both labels on every call. Children of this counter are never removed (a departed backend's
    /// count stays exported), so a kept child is always the exported one.
    /// </remarks>
    public void Request(string backend, int status)
    {
        if ((uint)status >= StatusTexts.Length)
        {
            _requests.WithLabels(backend, status.ToString(CultureInfo.InvariantCulture)).Inc();
            return;
        }
        var children = _requestChildren.GetOrAdd(backend, static _ => new Counter.Child?[StatusTexts.Length]);
        (children[status] ??= _requests.WithLabels(backend, StatusTexts[status])).Inc();
    }

    /// <summary>A forwarded request answered <paramref name="seconds"/> after it was routed (retries included).</summary>
    public void Duration(double seconds) => _duration.Observe(seconds);

    /// <summary>An attempt on <paramref name="backend"/> failed or was skipped, and the request moved on.</summary>
    public void Retry(string backend) => _retries.WithLabels(backend).Inc();

    /// <summary>A client connection was closed at once: akka-router.http.limits.max-connections were open.</summary>
    public void ConnectionRejected() => _rejectedConnections.Inc();

    /// <summary>A request passed over <paramref name="backend"/>, over its bounded load, for the key's next backend.</summary>
    public void Spill(string backend) => _spills.WithLabels(backend).Inc();
}
