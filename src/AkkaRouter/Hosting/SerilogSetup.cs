using AkkaRouter.Configuration;
using AkkaRouter.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace AkkaRouter.Hosting;

/// <summary>Creates the process-wide Serilog logger from the node's logging settings.</summary>
public static class SerilogSetup
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Console logger (human-readable text, or compact JSON with logging.format = json) that also
    /// feeds the in-memory buffer behind `log peek`. <paramref name="consoleLevel"/> can quiet the
    /// console (the demo does) while the buffer keeps the configured level.
    /// </summary>
    public static ILogger Create(LoggingSettings logging, LogEventLevel? consoleLevel = null)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(logging.Level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            // A planned stop disassociates every peer on purpose: not an error, and not worth a stack trace.
            .Filter.ByExcluding(e => PlannedShutdown.Started && PlannedShutdown.IsDisassociation(e))
            .WriteTo.Sink(LogBuffer.Shared);
        var console = consoleLevel ?? logging.Level;
        return logging.Format == LogFormat.Json
            ? configuration.WriteTo.Console(new CompactJsonFormatter(), restrictedToMinimumLevel: console).CreateLogger()
            : configuration.WriteTo.Console(outputTemplate: TextTemplate, restrictedToMinimumLevel: console).CreateLogger();
    }
}
