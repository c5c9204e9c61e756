using AkkaRouter.Configuration;
using Serilog;
using Serilog.Formatting.Compact;

namespace AkkaRouter.Hosting;

/// <summary>Creates the process-wide Serilog logger from the node's logging settings.</summary>
public static class SerilogSetup
{
    private const string TextTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    /// <summary>Console logger: human-readable text, or compact JSON with logging.format = json.</summary>
    public static ILogger Create(LoggingSettings logging, string? node = null)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(logging.Level)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext();
        if (node is not null)
            configuration = configuration.Enrich.WithProperty("Node", node);
        return logging.Format == LogFormat.Json
            ? configuration.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: null).CreateLogger()
            : configuration.WriteTo.Console(outputTemplate: node is null ? TextTemplate : "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Node}: {Message:lj}{NewLine}{Exception}").CreateLogger();
    }
}
