namespace AkkaRouter.Cluster.Tests.CacheFleet;

/// <summary>
/// Keys /obj/0 .. /obj/(n-1) drawn with Zipf probabilities (rank r has weight 1/(r+1)^s): the inverse
/// of the cumulative distribution by binary search, so a draw costs O(log n) and allocates nothing.
/// </summary>
public sealed class ZipfKeys
{
    private readonly double[] _cumulative;
    private readonly string[] _paths;

    public ZipfKeys(int count, double exponent)
    {
        _cumulative = new double[count];
        _paths = new string[count];
        var sum = 0.0;
        for (var r = 0; r < count; r++)
        {
            sum += 1.0 / Math.Pow(r + 1, exponent);
            _cumulative[r] = sum;
            _paths[r] = $"/obj/{r}";
        }
        for (var r = 0; r < count; r++)
            _cumulative[r] /= sum;
    }

    public int Count => _paths.Length;

    public string Path(int rank) => _paths[rank];

    /// <summary>A rank drawn from the distribution.</summary>
    public int Next(Random random)
    {
        var u = random.NextDouble();
        var i = Array.BinarySearch(_cumulative, u);
        return i >= 0 ? i : Math.Min(~i, _cumulative.Length - 1);
    }

    /// <summary>The probability mass of the <paramref name="top"/> most popular keys.</summary>
    public double MassOfTop(int top) => _cumulative[Math.Clamp(top, 1, _cumulative.Length) - 1];
}
