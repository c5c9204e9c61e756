using System.Text;
using AkkaRouter.Configuration;

namespace AkkaRouter.Fuzz;

/// <summary>
/// A --config file as the node reads it at start: layered over the defaults, then read into settings. The node must
/// either start with settings or stop with a <see cref="ConfigurationError"/> whose one-line message names a key or
/// the file; any other exception is a finding.
/// </summary>
internal static class SettingsTarget
{
    public static void Run(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        try
        {
            var settings = RouterSettingsReader.Read(RouterConfig.FromText(text));
            InvariantViolated.Unless(settings.Roles.Count > 0, "settings without a role");
        }
        catch (ConfigurationError e)
        {
            InvariantViolated.Unless(e.Key.Length > 0, $"configuration error names no key: {e.Message}");
            InvariantViolated.Unless(e.Problem.Trim().Length > 0, $"configuration error {e.Key} says nothing");
        }
    }
}
