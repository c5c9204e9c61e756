namespace AkkaRouter.Hosting;

/// <summary>
/// A listener failure injected on purpose, so tests can show what the node does when a listener fails for real.
/// Only a node started with the environment variable <see cref="Variable"/>=on acts on it (and only such a node offers
/// the palette command that sends it); any other node ignores the message.
/// </summary>
public sealed record ListenerFault(ListenerFaultKind Kind)
{
    /// <summary>The environment variable that turns fault injection on.</summary>
    public const string Variable = "AKKAROUTER_FAULT_INJECTION";

    /// <summary>True when this process was started with <see cref="Variable"/>=on.</summary>
    public static bool Enabled { get; } = string.Equals(Environment.GetEnvironmentVariable(Variable), "on", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What an injected listener failure does.</summary>
public enum ListenerFaultKind
{
    /// <summary>The listening socket is shut down under the listener: accepting fails as on a dead socket.</summary>
    Socket,

    /// <summary>The actor owning the listener throws, so its supervisor restarts it.</summary>
    Crash,

    /// <summary>The actor owning the listener stops, as if its supervisor had given up on it.</summary>
    Stop,

    /// <summary>The listening socket dies and another socket takes its port, so every rebind fails.</summary>
    PortTaken,
}
