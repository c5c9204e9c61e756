namespace AkkaRouter.Placement;

/// <summary>A backend's health as its checker decided it.</summary>
public enum HealthStatus : byte
{
    /// <summary>Passing its checks, at full weight.</summary>
    Up = 0,

    /// <summary>Passing its checks, ramping its weight up after a join or a recovery.</summary>
    Warming = 1,

    /// <summary>Failed <c>fall</c> checks in a row (or has not passed <c>rise</c> yet).</summary>
    Unhealthy = 2,
}

/// <summary>
/// The replicated health entry of one backend, written only by its checker: the backend's sidecar, or the
/// singleton that checks backends without one.
/// </summary>
/// <param name="Status">The verdict.</param>
/// <param name="WeightFactor">Multiplies the backend's weight: below 1 while warming, else 1. Quantised by the writer.</param>
/// <param name="Reason">The last check failure, or the ramp's progress; empty when up.</param>
/// <param name="SinceUnixMs">When the writer reached this verdict, by its clock. Never decides a merge: it only orders
/// unhealthy backends for the max-unhealthy guard, and every router reads the same replicated value.</param>
/// <param name="Version">Decides which write wins.</param>
/// <param name="Writer">Who wrote it: a sidecar's member incarnation, or the health singleton's node.</param>
/// <param name="Score">The state-aware score behind <paramref name="WeightFactor"/>, when the writer reads its service's
/// signals; null otherwise. Shown by RING.EXPLAIN and `ring explain`.</param>
public sealed record HealthReport(
    HealthStatus Status,
    double WeightFactor,
    string Reason,
    long SinceUnixMs,
    StateVersion Version,
    string Writer,
    ScoreReport? Score = null)
{
    /// <summary>True when the verdict lets the backend own keys.</summary>
    public bool Healthy => Status != HealthStatus.Unhealthy;
}

/// <summary>An operator's standing instruction for one backend, keyed by its ring id, until undone.</summary>
/// <param name="Drained">The backend owns no keys while set.</param>
/// <param name="Weight">Replaces the backend's configured weight when set.</param>
/// <param name="Reason">Who set it and how, for `ring show`.</param>
/// <param name="Version">Decides which write wins: each command takes the next epoch above the one its node saw.</param>
/// <param name="Writer">The node that took the command.</param>
public sealed record OperatorOverride(bool Drained, double? Weight, string Reason, StateVersion Version, string Writer)
{
    /// <summary>True when the override changes nothing (every instruction undone): kept only to carry its version.</summary>
    public bool IsEmpty => !Drained && Weight is null;
}

/// <summary>A state-aware score as its backend's sidecar computed and published it.</summary>
/// <param name="Inputs">Health, cache hit rate and zone cost as read.</param>
/// <param name="Value">The score, 0 to 1.</param>
/// <param name="Factor">The damped weight factor published from it (part of the report's weight factor).</param>
public sealed record ScoreReport(ScoreInputs Inputs, double Value, double Factor);
