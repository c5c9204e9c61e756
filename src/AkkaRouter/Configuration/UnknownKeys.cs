using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace AkkaRouter.Configuration;

/// <summary>
/// Refuses keys under <c>akka-router</c> that the defaults (hocon/akkarouter.conf) do not define, so a typo such as
/// <c>akka-router.resp.pasword</c> stops the node at start with one line naming it and the closest known key, instead
/// of leaving the setting it meant at its default. List-valued entries are checked element by element.
/// </summary>
public static class UnknownKeys
{
    private const string Root = "akka-router";

    // Keys of each element of the list-valued settings (their defaults are empty lists, so the defaults cannot say).
    private static readonly Dictionary<string, string[]> ListElements = new(StringComparer.Ordinal)
    {
        ["akka-router.static-backends"] = ["endpoint", "id", "zone", "weight", "service"],
        ["akka-router.http.routes"] = ["path", "host", "key", "policy", "service", "backend-tls", "max-body-size"],
        ["akka-router.discovery.dns-srv"] = ["name", "nameservers", "refresh", "service", "zone"],
    };

    // Objects whose keys are the operator's own names (zones).
    private static readonly HashSet<string> FreeForm = new(StringComparer.Ordinal) { "akka-router.placement.zone-costs" };

    /// <exception cref="ConfigurationError">The first unknown key, with the closest known one.</exception>
    public static void Check(Config config)
    {
        if (!config.HasPath(Root))
            return;
        var known = KnownKeys();
        Walk(config.GetValue(Root), Root, known);
    }

    private static void Walk(HoconValue value, string path, IReadOnlyCollection<string> known)
    {
        if (FreeForm.Contains(path))
            return;
        if (ListElements.TryGetValue(path, out var elementKeys))
        {
            if (!value.IsArray())
                return; // the settings reader says what a list must look like
            var items = value.GetArray();
            for (var i = 0; i < items.Count; i++)
            {
                if (!items[i].IsObject())
                    continue;
                foreach (var key in items[i].GetObject().Items.Keys)
                {
                    if (!elementKeys.Contains(key, StringComparer.Ordinal))
                        throw Unknown($"{path}[{i}].{key}", key, elementKeys.Select(k => $"{path}[{i}].{k}").ToArray(), elementKeys);
                }
            }
            return;
        }
        if (!value.IsObject())
            return;
        foreach (var (key, child) in value.GetObject().Items)
        {
            var childPath = $"{path}.{key}";
            if (!known.Contains(childPath) && !ListElements.ContainsKey(childPath) && !FreeForm.Contains(childPath))
                throw Unknown(childPath, childPath, known, known);
            Walk(child, childPath, known);
        }
    }

    private static ConfigurationError Unknown(string key, string compared, IReadOnlyCollection<string> candidates, IReadOnlyCollection<string> names)
    {
        var closest = candidates.Zip(names).MinBy(c => Distance(compared, c.Second));
        return new ConfigurationError(key, closest.First is null
            ? "unknown key (not in hocon/akkarouter.conf)"
            : $"unknown key (not in hocon/akkarouter.conf); did you mean '{closest.First}'?");
    }

    // Every path the defaults define under akka-router, objects and leaves.
    private static HashSet<string> KnownKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Collect(HoconValue value, string path)
        {
            keys.Add(path);
            if (!value.IsObject())
                return;
            foreach (var (key, child) in value.GetObject().Items)
                Collect(child, $"{path}.{key}");
        }
        Collect(RouterConfig.Defaults.GetValue(Root), Root);
        return keys;
    }

    // Levenshtein distance: the closest known key to a typo.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
