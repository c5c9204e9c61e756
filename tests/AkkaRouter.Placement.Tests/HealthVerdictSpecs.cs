namespace AkkaRouter.Placement.Tests;

public class HealthVerdictSpecs
{
    [Fact(DisplayName = "A new checker has no verdict until rise passes or fall failures in a row")]
    public void Starts_undecided()
    {
        var verdict = new HealthVerdict(rise: 2, fall: 3);
        Assert.Null(verdict.Healthy);
        Assert.False(verdict.Observe(true));
        Assert.Null(verdict.Healthy);

        var failing = new HealthVerdict(rise: 2, fall: 3);
        Assert.False(failing.Observe(false));
        Assert.False(failing.Observe(false));
        Assert.Null(failing.Healthy);
        Assert.True(failing.Observe(false));
        Assert.False(failing.Healthy);
    }

    [Theory(DisplayName = "rise passes in a row make it healthy, then fall failures in a row make it unhealthy, and back")]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 2)]
    [InlineData(5, 5)]
    public void Rise_and_fall(int rise, int fall)
    {
        var verdict = new HealthVerdict(rise, fall);
        for (int i = 1; i < rise; i++)
        {
            Assert.False(verdict.Observe(true));
            Assert.Null(verdict.Healthy);
        }

        Assert.True(verdict.Observe(true));
        Assert.True(verdict.Healthy);
        Assert.False(verdict.Observe(true));
        Assert.True(verdict.Healthy);

        for (int i = 1; i < fall; i++)
        {
            Assert.False(verdict.Observe(false));
            Assert.True(verdict.Healthy);
        }

        Assert.True(verdict.Observe(false));
        Assert.False(verdict.Healthy);
        Assert.False(verdict.Observe(false));

        for (int i = 1; i < rise; i++)
            Assert.False(verdict.Observe(true));
        Assert.True(verdict.Observe(true));
        Assert.True(verdict.Healthy);
    }

    [Theory(DisplayName = "Flapping (alternating pass/fail) never changes the verdict when rise and fall are at least 2")]
    [InlineData(2, 2, null)]
    [InlineData(2, 2, true)]
    [InlineData(2, 2, false)]
    [InlineData(3, 2, true)]
    [InlineData(2, 5, false)]
    public void Flapping_is_ignored(int rise, int fall, bool? initial)
    {
        foreach (bool first in new[] { true, false })
        {
            var verdict = new HealthVerdict(rise, fall, initial);
            bool next = first;
            for (int i = 0; i < 200; i++)
            {
                Assert.False(verdict.Observe(next), $"check {i} changed the verdict");
                Assert.Equal(initial, verdict.Healthy);
                next = !next;
            }
        }
    }

    [Theory(DisplayName = "A checker continuing a replicated verdict needs fall failures (or rise passes) to flip it")]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    public void Initial_verdict_continues(int rise, int fall)
    {
        var healthy = new HealthVerdict(rise, fall, initial: true);
        Assert.True(healthy.Healthy);
        for (int i = 1; i < fall; i++)
        {
            Assert.False(healthy.Observe(false));
            Assert.True(healthy.Healthy);
        }

        Assert.True(healthy.Observe(false));
        Assert.False(healthy.Healthy);

        var unhealthy = new HealthVerdict(rise, fall, initial: false);
        Assert.False(unhealthy.Observe(false));
        for (int i = 1; i < rise; i++)
        {
            Assert.False(unhealthy.Observe(true));
            Assert.False(unhealthy.Healthy);
        }

        Assert.True(unhealthy.Observe(true));
        Assert.True(unhealthy.Healthy);
    }

    [Fact(DisplayName = "Over random check sequences the verdict follows the last run of rise passes or fall failures")]
    public void Matches_run_length_model()
    {
        var random = new Random(11);
        for (int c = 0; c < 500; c++)
        {
            int rise = 1 + random.Next(4);
            int fall = 1 + random.Next(4);
            bool? initial = random.Next(3) switch { 0 => null, 1 => true, _ => false };
            var verdict = new HealthVerdict(rise, fall, initial);
            var history = new List<bool>();
            bool? model = initial;
            double passRate = random.NextDouble();
            for (int i = 0; i < 60; i++)
            {
                bool passed = random.NextDouble() < passRate;
                history.Add(passed);
                int run = history.AsEnumerable().Reverse().TakeWhile(h => h == passed).Count();
                bool? expected = passed ? (run >= rise ? true : model) : (run >= fall ? false : model);
                bool changed = verdict.Observe(passed);
                Assert.True(expected == verdict.Healthy, $"case {c} (rise {rise}, fall {fall}, initial {initial}): after {string.Concat(history.Select(h => h ? '+' : '-'))} expected {expected}, got {verdict.Healthy}");
                Assert.Equal(expected != model, changed);
                model = expected;
            }
        }
    }

    [Fact(DisplayName = "rise and fall below 1 are refused")]
    public void Validates_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthVerdict(0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthVerdict(2, 0));
    }
}
