using System.Globalization;

namespace AkkaRouter.Placement;

/// <summary>One reading of a service's counters (Prometheus text), summed over their label sets.</summary>
/// <param name="At">When it was read.</param>
/// <param name="Values">Each counter asked for, by name; absent when the service does not expose it.</param>
public sealed record SignalSample(DateTimeOffset At, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>
    /// Reads the counters named in <paramref name="names"/> from Prometheus text exposition format: every sample line
    /// whose metric name is one of them, labels or not, summed. Comments, other metrics and unparsable lines are
    /// ignored.
    /// </summary>
    public static SignalSample Parse(string text, IReadOnlyCollection<string> names, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            int nameEnd = line.IndexOfAny([' ', '{']);
            if (nameEnd <= 0)
                continue;
            var name = line[..nameEnd];
            if (!names.Contains(name))
                continue;
            int valueStart = line[nameEnd] == '{' ? line.IndexOf('}', nameEnd) + 1 : nameEnd;
            if (valueStart <= 0)
                continue;
            var fields = line[valueStart..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                continue;
            values[name] = values.GetValueOrDefault(name) + value;
        }
        return new SignalSample(at, values);
    }
}

/// <summary>The counter names a sidecar reads from its service (<c>akka-router.node.signals</c>); empty = not read.</summary>
public sealed record SignalNames(string CacheHits, string CacheRequests, string Requests, string Errors)
{
    public IReadOnlyCollection<string> All => new[] { CacheHits, CacheRequests, Requests, Errors }.Where(n => n.Length > 0).ToArray();
}

/// <summary>
/// Rates over a sliding window of <see cref="SignalSample"/>s: the cache hit rate (Δhits / Δlookups) and the request
/// success ratio (1 − Δerrors / Δrequests). A counter that went down (the service restarted) restarts the window.
/// </summary>
public sealed class SignalWindow(SignalNames names, TimeSpan window)
{
    private readonly LinkedList<SignalSample> _samples = new();

    public void Add(SignalSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_samples.Last is { } last && names.All.Any(n => sample.Values.GetValueOrDefault(n) < last.Value.Values.GetValueOrDefault(n)))
            _samples.Clear();
        _samples.AddLast(sample);
        // Keep one sample at or before the window's start, so the rates cover the whole window.
        while (_samples.Count > 2 && sample.At - _samples.First!.Next!.Value.At >= window)
            _samples.RemoveFirst();
    }

    /// <summary>Hits / lookups over the window; null without cache counters or lookups.</summary>
    public double? CacheHitRate => Ratio(names.CacheHits, names.CacheRequests);

    /// <summary>Successful / all requests over the window; null without request counters or requests.</summary>
    public double? RequestSuccess => Ratio(names.Errors, names.Requests) is { } errors ? 1 - errors : null;

    private double? Ratio(string numerator, string denominator)
    {
        if (numerator.Length == 0 || denominator.Length == 0 || _samples.Count < 2)
            return null;
        var first = _samples.First!.Value.Values;
        var last = _samples.Last!.Value.Values;
        if (!first.ContainsKey(numerator) || !last.ContainsKey(numerator) || !first.ContainsKey(denominator) || !last.ContainsKey(denominator))
            return null;
        double total = last[denominator] - first[denominator];
        return total > 0 ? Math.Clamp((last[numerator] - first[numerator]) / total, 0, 1) : null;
    }
}
