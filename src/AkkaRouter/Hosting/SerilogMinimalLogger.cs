using Akka.Event;
using Serilog.Events;

namespace AkkaRouter.Hosting;

/// <summary>
/// Akka's logger for the moments no logger actor runs (the start of an actor system, and its last moments after the
/// logger actors stopped): it writes through Serilog too, so every line of a node has one format and one filter.
/// Configured as <c>akka.stdout-logger-class</c>.
/// </summary>
public sealed class SerilogMinimalLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not Akka.Event.LogEvent e)
            return;
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogEventLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogEventLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        Serilog.Log.Write(level, e.Cause, "[{LogSource}] {AkkaMessage}", e.LogSource, e.Message?.ToString());
    }
}
