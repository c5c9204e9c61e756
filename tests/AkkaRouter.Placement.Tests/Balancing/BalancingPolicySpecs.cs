using AkkaRouter.Placement.Balancing;

namespace AkkaRouter.Placement.Tests.Balancing;

public class SmoothWeightedRoundRobinSpecs
{
    private static string Sequence(SmoothWeightedRoundRobin rr, int count, string names = "abcdefgh") =>
        string.Concat(Enumerable.Range(0, count).Select(_ => names[rr.Next()]));

    [Fact(DisplayName = "Weights 5:1:1 give nginx's smooth sequence a a b a c a a, and it repeats")]
    public void Nginx_sequence()
    {
        var rr = new SmoothWeightedRoundRobin([5, 1, 1]);
        Assert.Equal("aabacaa", Sequence(rr, 7));
        Assert.Equal("aabacaa", Sequence(rr, 7));
    }

    [Fact(DisplayName = "Equal weights take turns in order")]
    public void Equal_weights_alternate() => Assert.Equal("abcabcabc", Sequence(new SmoothWeightedRoundRobin([1, 1, 1]), 9));

    [Theory(DisplayName = "Over whole periods every peer is picked exactly in proportion to its weight")]
    [InlineData(new[] { 3.0, 2.0 })]
    [InlineData(new[] { 1.0, 0.5, 0.25 })]
    [InlineData(new[] { 7.0, 1.0, 3.0, 5.0 })]
    public void Exact_shares(double[] weights)
    {
        var rr = new SmoothWeightedRoundRobin(weights);
        var period = (int)Math.Round(weights.Sum() * 1000);
        var counts = new int[weights.Length];
        for (var i = 0; i < period; i++)
            counts[rr.Next()]++;
        for (var i = 0; i < weights.Length; i++)
            Assert.Equal((int)Math.Round(weights[i] * 1000), counts[i]);
    }

    [Fact(DisplayName = "A peer of weight 0 is never picked; with no weight at all the pick is -1")]
    public void Zero_weight()
    {
        Assert.Equal("acacac", Sequence(new SmoothWeightedRoundRobin([1, 0, 1]), 6));
        Assert.Equal(-1, new SmoothWeightedRoundRobin([0, 0]).Next());
        Assert.Equal(-1, new SmoothWeightedRoundRobin([]).Next());
    }

    [Fact(DisplayName = "Ineligible peers (open circuit, already tried) are skipped and the rest keep their proportions")]
    public void Skips_ineligible()
    {
        var rr = new SmoothWeightedRoundRobin([5, 1, 1]);
        var picks = string.Concat(Enumerable.Range(0, 12).Select(_ => "abc"[rr.Next(1, static (skip, i) => i != skip)]));
        Assert.Equal(10, picks.Count(c => c == 'a'));
        Assert.Equal(2, picks.Count(c => c == 'c'));
        Assert.Equal(-1, rr.Next(0, static (_, _) => false));
    }

    [Fact(DisplayName = "A negative or NaN weight is refused")]
    public void Bad_weights()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothWeightedRoundRobin([1, -1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SmoothWeightedRoundRobin([double.NaN]));
    }

    [Fact(DisplayName = "Concurrent picks from many threads keep the exact proportions")]
    public async Task Concurrent_picks()
    {
        var rr = new SmoothWeightedRoundRobin([2, 1]);
        var counts = new int[2];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 3000; i++)
                Interlocked.Increment(ref counts[rr.Next()]);
        })));
        Assert.Equal(8000, counts[0]);
        Assert.Equal(4000, counts[1]);
    }
}

public class WeightedRandomSpecs
{
    [Fact(DisplayName = "Weighted random draws in proportion to weight (3:1 over 40,000 draws within 2 %) and never an ineligible or weightless peer")]
    public void Proportional()
    {
        var random = new Random(7);
        double[] weights = [3, 1, 0, 5];
        var counts = new int[4];
        for (var i = 0; i < 40_000; i++)
            counts[WeightedRandom.Pick(weights, 3, static (skip, i) => i != skip, random)]++;
        Assert.Equal(0, counts[2]);
        Assert.Equal(0, counts[3]);
        Assert.InRange(counts[0] / (double)counts[1], 3 * 0.98 / 1.02, 3 * 1.02 / 0.98);
        Assert.Equal(-1, WeightedRandom.Pick([0.0, 0.0], 0, static (_, _) => true, random));
    }
}

public class LeastRequestsSpecs
{
    [Fact(DisplayName = "Least requests prefers the idle peer of two: with one peer busy it takes at most its 2-choice share")]
    public void Prefers_idle()
    {
        var random = new Random(11);
        int[] inFlight = [50, 0, 0];
        double[] weights = [1, 1, 1];
        var counts = new int[3];
        for (var i = 0; i < 30_000; i++)
            counts[LeastRequests.Pick(inFlight, weights, 0, static (_, _) => true, random)]++;
        // The busy peer wins only when it is drawn twice, which two distinct draws never do.
        Assert.Equal(0, counts[0]);
        Assert.InRange(counts[1], 14_000, 16_000);
    }

    [Fact(DisplayName = "Least requests balances a fleet: simulated requests of random length keep every peer's in-flight count near the mean")]
    public void Balances()
    {
        var random = new Random(3);
        var inFlight = new int[8];
        double[] weights = [1, 1, 1, 1, 1, 1, 1, 1];
        var finishing = new List<(int Peer, int At)>();
        var worst = 0;
        for (var t = 0; t < 20_000; t++)
        {
            finishing.RemoveAll(f => { if (f.At != t) return false; inFlight[f.Peer]--; return true; });
            var peer = LeastRequests.Pick(inFlight, weights, 0, static (_, _) => true, random);
            inFlight[peer]++;
            finishing.Add((peer, t + 1 + random.Next(40)));
            if (t > 1000)
                worst = Math.Max(worst, inFlight.Max() - (int)Math.Ceiling(inFlight.Average()));
        }
        Assert.InRange(worst, 0, 4);
    }

    [Fact(DisplayName = "Least requests honours weights: requests of equal length split about 3:1 between peers of weight 3 and 1")]
    public void Honours_weights()
    {
        var random = new Random(5);
        var inFlight = new int[2];
        double[] weights = [3, 1];
        var counts = new int[2];
        var finishing = new Queue<(int Peer, int At)>();
        for (var t = 0; t < 40_000; t++)
        {
            while (finishing.Count > 0 && finishing.Peek().At == t)
                inFlight[finishing.Dequeue().Peer]--;
            // Four arrivals per tick, each in flight for 10 ticks: about 40 in flight.
            for (var k = 0; k < 4; k++)
            {
                var peer = LeastRequests.Pick(inFlight, weights, 0, static (_, _) => true, random);
                inFlight[peer]++;
                counts[peer]++;
                finishing.Enqueue((peer, t + 10));
            }
        }
        Assert.InRange(counts[0] / (double)counts[1], 2.5, 3.5);
    }

    [Fact(DisplayName = "Least requests skips ineligible peers, returns the only eligible one, and -1 when none is")]
    public void Eligibility()
    {
        var random = new Random(1);
        int[] inFlight = [0, 9];
        double[] weights = [1, 1];
        Assert.Equal(1, LeastRequests.Pick(inFlight, weights, 0, static (skip, i) => i != skip, random));
        Assert.Equal(-1, LeastRequests.Pick(inFlight, weights, 0, static (_, _) => false, random));
    }
}
