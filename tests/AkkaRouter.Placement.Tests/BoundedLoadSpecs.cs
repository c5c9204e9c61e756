namespace AkkaRouter.Placement.Tests;

public class BoundedLoadSpecs
{
    // Factors are multiples of 1/64 so the oracle below is exact integer arithmetic and the double rule has no rounding to hide behind.
    private const int FactorScale = 64;

    // The rule from its definition, in integers: c + 1 <= ceil(f × (T + 1) / N)  <=>  c < f × (T + 1) / N.
    private static bool UnderBound(int inFlight, long total, int owners, int factorSixtyFourths) =>
        inFlight >= 0 && (long)inFlight * owners * FactorScale < (long)factorSixtyFourths * (total + 1);

    private sealed record Case(int[] InFlight, long Total, int Owners, int FactorSixtyFourths)
    {
        public double Factor => (double)FactorSixtyFourths / FactorScale;

        public override string ToString() =>
            $"in flight [{string.Join(", ", InFlight)}], total {Total}, owners {Owners}, factor {Factor}";
    }

    // Preference lists of 1 to 8 candidates, some unavailable; the total covers the candidates' requests and others'.
    private static IEnumerable<Case> RandomCases(int seed, int count, bool unavailable = true)
    {
        var random = new Random(seed);
        for (var c = 0; c < count; c++)
        {
            var length = 1 + random.Next(8);
            var owners = length + random.Next(12);
            var inFlight = new int[length];
            for (var i = 0; i < length; i++)
                inFlight[i] = unavailable && random.Next(6) == 0 ? BoundedLoad.Unavailable : random.Next(random.Next(2) == 0 ? 4 : 200);
            var total = inFlight.Where(n => n > 0).Sum() + (long)random.Next(500);
            yield return new Case(inFlight, total, owners, FactorScale + 1 + random.Next(3 * FactorScale));
        }
    }

    [Fact(DisplayName = "Off (factor 0) always chooses the owner, whatever the loads")]
    public void Off_always_chooses_the_owner()
    {
        foreach (var c in RandomCases(1, 5000))
            Assert.Equal(0, BoundedLoad.Choose(c.InFlight, c.Total, c.Owners, BoundedLoad.Off));
        Assert.Equal(0, BoundedLoad.Choose([1000, 0, 0], 1000, 3, BoundedLoad.Off));
    }

    [Fact(DisplayName = "The choice is the first available candidate under the bound in preference-list order, else the owner")]
    public void Choice_is_the_first_candidate_under_the_bound()
    {
        var spills = 0;
        var fallbacks = 0;
        foreach (var c in RandomCases(2, 20_000))
        {
            var chosen = BoundedLoad.Choose(c.InFlight, c.Total, c.Owners, c.Factor);
            Assert.InRange(chosen, 0, c.InFlight.Length - 1);
            for (var i = 0; i < chosen; i++)
                Assert.False(UnderBound(c.InFlight[i], c.Total, c.Owners, c.FactorSixtyFourths), $"{c}: chose {chosen} over {i}, which is under the bound");
            if (UnderBound(c.InFlight[chosen], c.Total, c.Owners, c.FactorSixtyFourths))
            {
                spills += chosen > 0 ? 1 : 0;
                continue;
            }
            // Nobody under the bound: the owner, never a failure.
            Assert.Equal(0, chosen);
            Assert.DoesNotContain(c.InFlight.Select(n => UnderBound(n, c.Total, c.Owners, c.FactorSixtyFourths)), under => under);
            fallbacks++;
        }
        // The cases exercise all three outcomes: owner under the bound, a spill, every candidate over.
        Assert.True(spills > 400 && fallbacks > 400, $"{spills} spills, {fallbacks} fallbacks");
    }

    [Fact(DisplayName = "Over a preference list of every owner some backend is always under the bound, and the chosen one stays within it")]
    public void Full_preference_list_never_exceeds_the_bound()
    {
        var random = new Random(3);
        for (var c = 0; c < 20_000; c++)
        {
            var owners = 1 + random.Next(10);
            var inFlight = Enumerable.Range(0, owners).Select(_ => random.Next(random.Next(2) == 0 ? 3 : 100)).ToArray();
            var total = inFlight.Sum();
            var factor = FactorScale + 1 + random.Next(3 * FactorScale);
            var chosen = BoundedLoad.Choose(inFlight, total, owners, (double)factor / FactorScale);
            Assert.True(UnderBound(inFlight[chosen], total, owners, factor),
                $"[{string.Join(", ", inFlight)}] factor {(double)factor / FactorScale}: chose {chosen}, over the bound");
            Assert.True(inFlight[chosen] + 1 <= BoundedLoad.Limit((double)factor / FactorScale, total, owners));
        }
    }

    [Theory(DisplayName = "Under a hot key with requests arriving and leaving, no backend is ever given a request over ceil(factor × mean)")]
    [InlineData(4, 80, 3)]
    [InlineData(5, 96, 5)]
    [InlineData(6, 72, 10)]
    public void Bound_holds_under_a_hot_key(int seed, int factorSixtyFourths, int owners)
    {
        var random = new Random(seed);
        var factor = (double)factorSixtyFourths / FactorScale;
        // Ten keys, each with its own preference list over every owner; key 0 is hot (half the requests).
        var preference = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, owners).OrderBy(_ => random.Next()).ToArray()).ToArray();
        var load = new int[owners];
        var inFlight = new List<int>();
        var spills = 0;
        var peak = 0;
        for (var step = 0; step < 50_000; step++)
        {
            // Requests leave more often the more there are: about 20 in flight, so limits are small and spills frequent.
            if (inFlight.Count > 0 && random.Next(inFlight.Count + 20) >= 20)
            {
                var leaving = random.Next(inFlight.Count);
                load[inFlight[leaving]]--;
                inFlight.RemoveAt(leaving);
                continue;
            }
            var key = random.Next(2) == 0 ? 0 : random.Next(10);
            var list = preference[key];
            var counts = list.Select(b => load[b]).ToArray();
            long total = inFlight.Count;
            var chosen = BoundedLoad.Choose(counts, total, owners, factor);
            var backend = list[chosen];
            Assert.True(load[backend] + 1 <= (long)Math.Ceiling(factor * (total + 1) / owners),
                $"step {step}: backend {backend} would hold {load[backend] + 1} of {total + 1}");
            spills += chosen > 0 ? 1 : 0;
            load[backend]++;
            inFlight.Add(backend);
            peak = Math.Max(peak, inFlight.Count);
        }
        Assert.True(spills > 1000, $"the hot key spilled {spills} times");
        Assert.True(peak > 2 * owners, $"at most {peak} requests were ever in flight");
    }

    [Fact(DisplayName = "A hot key spills in preference-list order: owner and second share it, the third only when both are over (factor 1.25, 3 owners)")]
    public void Hot_key_spills_in_preference_order()
    {
        // The owner and the second hold every request they take; the third answers at once.
        var held = new int[3];
        var chosen = new List<int>();
        for (var request = 0; request < 8; request++)
        {
            var total = held[0] + held[1];
            var index = BoundedLoad.Choose(held, total, 3, 1.25);
            chosen.Add(index);
            if (index < 2)
                held[index]++;
        }
        Assert.Equal([0, 1, 0, 1, 0, 1, 2, 2], chosen);
    }

    [Fact(DisplayName = "The choice is deterministic and depends only on the candidates up to the chosen one")]
    public void Choice_depends_only_on_the_prefix()
    {
        var random = new Random(7);
        foreach (var c in RandomCases(8, 10_000))
        {
            var chosen = BoundedLoad.Choose(c.InFlight, c.Total, c.Owners, c.Factor);
            Assert.Equal(chosen, BoundedLoad.Choose(c.InFlight, c.Total, c.Owners, c.Factor));
            if (!UnderBound(c.InFlight[chosen], c.Total, c.Owners, c.FactorSixtyFourths))
                continue;
            var changed = (int[])c.InFlight.Clone();
            for (var i = chosen + 1; i < changed.Length; i++)
                changed[i] = random.Next(3) - 1;
            Assert.Equal(chosen, BoundedLoad.Choose(changed, c.Total, c.Owners, c.Factor));
        }
    }

    [Fact(DisplayName = "An unavailable candidate is never chosen by the bound; with nothing available under it the choice falls back to the owner")]
    public void Unavailable_candidates_are_skipped()
    {
        Assert.Equal(2, BoundedLoad.Choose([5, BoundedLoad.Unavailable, 0], 5, 3, 1.25));
        Assert.Equal(1, BoundedLoad.Choose([BoundedLoad.Unavailable, 0, 0], 0, 3, 1.25));
        Assert.Equal(0, BoundedLoad.Choose([9, BoundedLoad.Unavailable, 9], 18, 3, 1.25));
        Assert.Equal(0, BoundedLoad.Choose([BoundedLoad.Unavailable], 0, 3, 1.25));
    }

    [Theory(DisplayName = "The limit is ceil(factor × (total + 1) / owners)")]
    [InlineData(1.25, 0, 3, 1)]
    [InlineData(1.25, 1, 3, 1)]
    [InlineData(1.25, 2, 3, 2)]
    [InlineData(1.25, 5, 3, 3)]
    [InlineData(1.25, 6, 3, 3)]
    [InlineData(2.0, 9, 10, 2)]
    [InlineData(1.5, 99, 10, 15)]
    public void Limit_is_the_ceiling_of_factor_times_mean(double factor, long total, int owners, long limit) =>
        Assert.Equal(limit, BoundedLoad.Limit(factor, total, owners));

    [Theory(DisplayName = "A balance factor is 0 (off) or a finite number above 1")]
    [InlineData(0, true)]
    [InlineData(1.01, true)]
    [InlineData(1.25, true)]
    [InlineData(10, true)]
    [InlineData(1, false)]
    [InlineData(0.5, false)]
    [InlineData(-1.25, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    public void Valid_factors(double factor, bool valid) => Assert.Equal(valid, BoundedLoad.IsValidFactor(factor));
}
