using Serilog.Core;
using Serilog.Events;

namespace AkkaRouter.Logging;

/// <summary>The most recent log events of this process, kept in a bounded ring for `log peek`.</summary>
public sealed class LogBuffer : ILogEventSink
{
    /// <summary>How many events are kept: enough to see what just happened, bounded whatever the log rate.</summary>
    public const int Capacity = 1000;

    private readonly LogEvent[] _events = new LogEvent[Capacity];
    private readonly Lock _lock = new();
    private long _written;

    /// <summary>The process-wide buffer every node's logger writes to.</summary>
    public static LogBuffer Shared { get; } = new();

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events[_written % Capacity] = logEvent;
            _written++;
        }
    }

    /// <summary>The last <paramref name="count"/> events at or above <paramref name="minimum"/>, oldest first.</summary>
    public IReadOnlyList<LogEvent> Recent(int count, LogEventLevel minimum)
    {
        lock (_lock)
        {
            var available = (int)Math.Min(_written, Capacity);
            var result = new List<LogEvent>(Math.Min(count, available));
            for (var i = 0; i < available && result.Count < count; i++)
            {
                var e = _events[(_written - 1 - i) % Capacity];
                if (e.Level >= minimum)
                    result.Add(e);
            }
            result.Reverse();
            return result;
        }
    }
}
