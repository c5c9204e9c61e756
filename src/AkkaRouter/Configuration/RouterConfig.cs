using System.Collections;
using System.Reflection;
using System.Text;
using Akka.Configuration;

namespace AkkaRouter.Configuration;

/// <summary>Builds the node's HOCON: defaults, then each --config file (later wins), then environment overrides.</summary>
public static class RouterConfig
{
    /// <summary>Prefix of environment variables that override single keys.</summary>
    public const string EnvironmentPrefix = "AKKAROUTER__";

    /// <summary>The documented defaults (hocon/akkarouter.conf, embedded so the executable runs from anywhere).</summary>
    public static Config Defaults { get; } = LoadDefaults();

    /// <summary>Layers the files over the defaults; throws <see cref="ConfigurationError"/> naming the file on failure.</summary>
    public static Config Load(IEnumerable<string> files, IDictionary? environment = null)
    {
        var config = Defaults;
        foreach (var file in files)
            config = ParseFile(file).WithFallback(config);
        var overrides = FromEnvironment(environment ?? Environment.GetEnvironmentVariables());
        return overrides is null ? config : overrides.WithFallback(config);
    }

    /// <summary>Parses HOCON text layered over the defaults (tests and the demo build node configs this way).</summary>
    public static Config FromText(string hocon) => Parse(hocon, "<inline>").WithFallback(Defaults);

    private static Config ParseFile(string file)
    {
        if (!File.Exists(file))
            throw new ConfigurationError(file, "configuration file not found");
        return Parse(File.ReadAllText(file), file);
    }

    private static Config Parse(string text, string origin) => Parse(text, origin, ParseDeadline);

    /// <summary>Parses one HOCON text, refusing it when the parser has not finished within <paramref name="deadline"/>.</summary>
    internal static Config Parse(string text, string origin, TimeSpan deadline)
    {
        if (HoconSyntaxCheck.FindProblem(text) is { } problem)
            throw new ConfigurationError(origin, "malformed HOCON: " + problem);
        // Akka's parser loops forever on some malformed inputs (the fuzzer keeps finding new ones; HoconSyntaxCheck
        // refuses the known shapes first). It runs on its own background thread with a deadline, so a node given such
        // a file stops with one line instead of hanging at start; the stuck thread ends with the process.
        Config? parsed = null;
        Exception? failure = null;
        var parser = new Thread(() =>
        {
            try { parsed = ConfigurationFactory.ParseString(text); }
            catch (Exception e) { failure = e; }
        }, 16 * 1024 * 1024) { IsBackground = true, Name = "hocon-parse" };
        parser.Start();
        if (!parser.Join(deadline))
            throw new ConfigurationError(origin, $"malformed HOCON: the parser did not finish within {deadline.TotalSeconds:0.###} s " +
                "(look for unquoted special characters in lists and unusual substitutions)");
        if (failure is not null)
            throw new ConfigurationError(origin, "malformed HOCON: " + FirstLine(failure is ConfigurationError c ? c.Problem : failure.Message));
        return parsed!;
    }

    /// <summary>How long one HOCON text may take to parse: configurations parse in milliseconds.</summary>
    public static readonly TimeSpan ParseDeadline = TimeSpan.FromSeconds(5);

    // AKKAROUTER__AKKA_ROUTER__RESP__PORT=7000 → akka-router.resp.port = "7000". A value that starts
    // with '[' or '{' is taken as HOCON (lists, objects); anything else as a quoted string, which
    // HOCON converts to numbers, booleans and durations on read.
    private static Config? FromEnvironment(IDictionary environment)
    {
        var text = new StringBuilder();
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
                continue;
            var path = string.Join('.', name[EnvironmentPrefix.Length..]
                .Split("__", StringSplitOptions.RemoveEmptyEntries)
                .Select(segment => segment.Replace('_', '-').ToLowerInvariant()));
            var value = entry.Value as string ?? "";
            var trimmed = value.TrimStart();
            var hoconValue = trimmed.StartsWith('[') || trimmed.StartsWith('{') ? value : Quote(value);
            text.Append(path).Append(" = ").Append(hoconValue).Append('\n');
        }
        return text.Length == 0 ? null : Parse(text.ToString(), "environment (" + EnvironmentPrefix + "*)");
    }

    /// <summary>Quotes a string as a HOCON string literal.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    private static Config LoadDefaults()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("akkarouter.conf")
            ?? throw new InvalidOperationException("the embedded default configuration akkarouter.conf is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
