namespace AkkaRouter.Placement;

/// <summary>
/// The rise/fall rule: <c>fall</c> failed checks in a row make a healthy backend unhealthy, <c>rise</c> passed checks
/// in a row make an unhealthy one healthy; a single result never flips the verdict.
/// </summary>
/// <remarks>
/// A backend starts without a verdict and needs <c>rise</c> passes to get one, so a service that is not up yet when
/// its sidecar starts never receives keys; <c>fall</c> failures give it an explicit unhealthy verdict with a reason.
/// </remarks>
public sealed class HealthVerdict
{
    private readonly int _rise;
    private readonly int _fall;
    private int _passes;
    private int _failures;

    /// <param name="rise">Passes in a row that make an unhealthy (or undecided) backend healthy.</param>
    /// <param name="fall">Failures in a row that make a healthy (or undecided) backend unhealthy.</param>
    /// <param name="initial">A verdict to continue from (a new checker taking over replicated state), or null.</param>
    public HealthVerdict(int rise, int fall, bool? initial = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rise, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fall, 1);
        _rise = rise;
        _fall = fall;
        Healthy = initial;
    }

    /// <summary>The verdict: null until <c>rise</c> passes or <c>fall</c> failures in a row.</summary>
    public bool? Healthy { get; private set; }

    /// <summary>Records one check; returns true when it changed the verdict.</summary>
    public bool Observe(bool passed)
    {
        if (passed)
        {
            _failures = 0;
            _passes = Math.Min(_passes + 1, _rise);
            if (Healthy != true && _passes >= _rise)
            {
                Healthy = true;
                return true;
            }
        }
        else
        {
            _passes = 0;
            _failures = Math.Min(_failures + 1, _fall);
            if (Healthy != false && _failures >= _fall)
            {
                Healthy = false;
                return true;
            }
        }
        return false;
    }
}
