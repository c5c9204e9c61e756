using System.Globalization;

namespace AkkaRouter.Membership;

/// <summary>How RING.NODES, `ring show` and /api/ring print a backend's fields, so the three agree.</summary>
public static class BackendFields
{
    /// <summary>The service of every backend until services are configurable.</summary>
    public const string DefaultService = Ring.Backend.DefaultService;

    /// <summary>A weight with up to four decimals, invariant culture ("1", "0.2", "0.4667").</summary>
    public static string Weight(double weight) => weight.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>A score or one of its inputs with up to three decimals; empty when the backend reads no such signal.</summary>
    public static string Score(double? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";
}
