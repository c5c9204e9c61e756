namespace AkkaRouter.Ring;

/// <summary>Why a backend owns keys at its weight, a reduced weight, or none (see the backend states of the design).</summary>
public enum BackendState : byte
{
    /// <summary>Healthy: owns keys at its effective weight.</summary>
    Up = 0,

    /// <summary>Slow start after a join or a recovery: owns keys at a reduced weight.</summary>
    Warming = 1,

    /// <summary>Its health checks failed (or have not passed yet): owns no keys.</summary>
    Unhealthy = 2,

    /// <summary>An operator drained it, or its weight is 0: owns no keys.</summary>
    Draining = 3,

    /// <summary>Healthy, but in an SRV priority group that serves only while no lower group has a healthy backend: owns no keys.</summary>
    Standby = 4,
}

/// <summary>Wire names of <see cref="BackendState"/>, as RING.NODES, `ring show` and /api/ring print them.</summary>
public static class BackendStates
{
    public static string Name(this BackendState state) => state switch
    {
        BackendState.Up => "up",
        BackendState.Warming => "warming",
        BackendState.Unhealthy => "unhealthy",
        BackendState.Draining => "draining",
        BackendState.Standby => "standby",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
