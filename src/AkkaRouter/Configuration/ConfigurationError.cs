namespace AkkaRouter.Configuration;

/// <summary>A configuration value the node cannot start with: names the key and the problem.</summary>
public sealed class ConfigurationError(string key, string problem) : Exception($"{key}: {problem}")
{
    /// <summary>Full HOCON path of the offending key (or the file that could not be read).</summary>
    public string Key { get; } = key;

    /// <summary>What is wrong, in words an operator can act on.</summary>
    public string Problem { get; } = problem;
}
