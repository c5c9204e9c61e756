using Microsoft.Extensions.Logging;

namespace AkkaRouter.Hosting;

/// <summary>
/// Tells a Kestrel host's owner when Kestrel's accept loop has ended under it. Kestrel logs that one way only, as a
/// critical event ("The connection listener failed to accept any new connections.") and then keeps the process
/// running with nothing accepting on the port; this logger provider, the only one such a host has, turns any critical
/// Kestrel event into <paramref name="onFailure"/>.
/// </summary>
public sealed class KestrelAcceptWatch(Action<string> onFailure) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) ? new Watch(onFailure) : NoLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Watch(Action<string> onFailure) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel == LogLevel.Critical;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Critical)
                onFailure(exception is null ? formatter(state, null) : $"{formatter(state, exception)} {exception.GetType().Name}: {exception.Message}");
        }
    }

    private sealed class NoLogger : ILogger
    {
        public static readonly NoLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
