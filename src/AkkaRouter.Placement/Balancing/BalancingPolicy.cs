namespace AkkaRouter.Placement.Balancing;

/// <summary>How a route picks a backend (akka-router.http.routes[].policy).</summary>
public enum BalancingPolicy
{
    /// <summary>The key's owner on the ring, retries down its preference list (the default).</summary>
    ConsistentHash,

    /// <summary>Smooth weighted round-robin (nginx's algorithm).</summary>
    RoundRobin,

    /// <summary>Power of two choices over this edge's requests in flight, per unit of weight (Envoy's default).</summary>
    LeastRequests,

    /// <summary>Weighted random.</summary>
    Random,
}

public static class BalancingPolicies
{
    /// <summary>The names the configuration accepts, in order.</summary>
    public static readonly IReadOnlyList<string> Names = ["consistent-hash", "round-robin", "least-requests", "random"];

    public static string Name(this BalancingPolicy policy) => Names[(int)policy];

    /// <summary>The policy of a configuration name (exact, lower case), or null when there is none.</summary>
    public static BalancingPolicy? Parse(string name)
    {
        for (var i = 0; i < Names.Count; i++)
            if (Names[i] == name)
                return (BalancingPolicy)i;
        return null;
    }
}
