using AkkaRouter.Ring;
using Xunit.Abstractions;

namespace AkkaRouter.Placement.Tests;

public class SlowStartRampSpecs(ITestOutputHelper output)
{
    [Theory(DisplayName = "Steps are about 2 s apart, at most 10, and add up to the duration")]
    [InlineData(0.5, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(10, 5)]
    [InlineData(19, 10)]
    [InlineData(20, 10)]
    [InlineData(21, 10)]
    [InlineData(600, 10)]
    public void Steps_and_interval(double seconds, int steps)
    {
        var ramp = new SlowStartRamp(TimeSpan.FromSeconds(seconds), 0.2);
        Assert.True(ramp.Enabled);
        Assert.Equal(steps, ramp.Steps);
        Assert.InRange(ramp.Steps, 1, SlowStartRamp.MaxSteps);
        Assert.InRange((ramp.StepInterval * ramp.Steps - ramp.Duration).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        if (seconds <= 20)
            Assert.True(ramp.StepInterval <= SlowStartRamp.StepSpacing, $"interval {ramp.StepInterval}");
        if (seconds >= 2 && seconds <= 20)
            Assert.True(ramp.StepInterval > TimeSpan.FromSeconds(1), $"interval {ramp.StepInterval}");
        if (seconds > 20)
            Assert.Equal(ramp.Duration / SlowStartRamp.MaxSteps, ramp.StepInterval);
    }

    [Fact(DisplayName = "Over random ramps the factor starts at min-weight, climbs monotonically and reaches 1.0 at Steps")]
    public void Factors_climb()
    {
        var random = new Random(21);
        for (int c = 0; c < 2000; c++)
        {
            var ramp = new SlowStartRamp(TimeSpan.FromMilliseconds(1 + random.Next(120_000)), Math.Round(random.NextDouble() * 0.99, 3));
            Assert.InRange(ramp.Steps, 1, SlowStartRamp.MaxSteps);
            Assert.True(ramp.StepInterval >= ramp.Duration / SlowStartRamp.MaxSteps - TimeSpan.FromTicks(1), ramp.ToString());
            Assert.Equal(Math.Round(ramp.MinWeight, SlowStartRamp.FactorDecimals), ramp.FactorAt(0));
            Assert.Equal(ramp.FactorAt(0), ramp.FactorAt(-3));
            Assert.Equal(1.0, ramp.FactorAt(ramp.Steps));
            Assert.Equal(1.0, ramp.FactorAt(ramp.Steps + 5));
            for (int step = 1; step <= ramp.Steps; step++)
            {
                double previous = ramp.FactorAt(step - 1);
                double factor = ramp.FactorAt(step);
                Assert.True(factor > previous, $"{ramp}: step {step} factor {factor} after {previous}");
                Assert.InRange(factor, ramp.MinWeight, 1.0);
                Assert.Equal(factor, Math.Round(factor, SlowStartRamp.FactorDecimals));
            }
        }
    }

    [Fact(DisplayName = "Factor steps are equal: 0.2 over 20 s climbs by 0.08 every 2 s")]
    public void Known_ramp()
    {
        var ramp = new SlowStartRamp(TimeSpan.FromSeconds(20), 0.2);
        Assert.Equal(10, ramp.Steps);
        Assert.Equal(TimeSpan.FromSeconds(2), ramp.StepInterval);
        Assert.Equal(
            [0.2, 0.28, 0.36, 0.44, 0.52, 0.6, 0.68, 0.76, 0.84, 0.92, 1.0],
            Enumerable.Range(0, 11).Select(ramp.FactorAt));
    }

    [Fact(DisplayName = "Off, a zero duration or a min-weight of 1 means no ramp: factor 1 from the start")]
    public void Off_means_full_weight()
    {
        foreach (var ramp in new[] { SlowStartRamp.Off, new SlowStartRamp(TimeSpan.Zero, 0.2), new SlowStartRamp(TimeSpan.FromSeconds(30), 1.0) })
        {
            Assert.False(ramp.Enabled);
            Assert.Equal(0, ramp.Steps);
            Assert.Equal(TimeSpan.Zero, ramp.StepInterval);
            Assert.Equal(1.0, ramp.FactorAt(0));
            Assert.Equal(1.0, ramp.FactorAt(1));
        }
    }

    [Theory(DisplayName = "Ramping one of 10 backends moves keys only to it, and each step moves at most 1.10 × its share change")]
    [InlineData(1, 20.0, 0.2)]
    [InlineData(2, 20.0, 0.2)]
    [InlineData(3, 7.0, 0.5)]
    [InlineData(4, 60.0, 0.1)]
    public void Ramp_moves_keys_only_to_the_ramped_backend(int seed, double seconds, double minWeight)
    {
        var random = new Random(seed);
        var ramp = new SlowStartRamp(TimeSpan.FromSeconds(seconds), minWeight);
        var identities = Enumerable.Range(0, 10)
            .Select(_ => $"10.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}:6379")
            .Distinct()
            .Select(endpoint => new BackendIdentity(endpoint, endpoint, "z", 1.0, null, HealthChecked: true))
            .ToArray();
        Assert.Equal(10, identities.Length);
        string ramped = identities[random.Next(10)].Id;
        var settings = PlacementSettings.Default;

        RingSnapshot RingAt(HealthStatus status, double factor)
        {
            var table = BackendStateTable.Empty;
            foreach (var identity in identities)
            {
                table = table.WithHealth(identity.Id, identity.Id == ramped
                    ? new HealthReport(status, factor, status == HealthStatus.Warming ? "warming" : "", 0, new StateVersion(1, 0), "w")
                    : new HealthReport(HealthStatus.Up, 1.0, "", 0, new StateVersion(1, 0), "w"));
            }

            return RingSnapshot.Build(BackendPlacement.Place(identities, table, settings), configuration: settings.Fingerprint);
        }

        // From unhealthy (no points) through every step of the ramp to up.
        var rings = new List<(string Label, double Factor, RingSnapshot Ring)> { ("unhealthy", 0, RingAt(HealthStatus.Unhealthy, 0)) };
        for (int step = 0; step < ramp.Steps; step++)
            rings.Add(($"step {step}", ramp.FactorAt(step), RingAt(HealthStatus.Warming, ramp.FactorAt(step))));
        rings.Add(("up", 1.0, RingAt(HealthStatus.Up, 1.0)));
        Assert.Equal(ramp.Steps + 2, rings.Count);

        double worst = 0;
        double total = 0;
        for (int i = 1; i < rings.Count; i++)
        {
            var (fromLabel, fromFactor, before) = rings[i - 1];
            var (toLabel, toFactor, after) = rings[i];
            Backend backend = after.Backends.Single(b => b.Id == ramped);
            Assert.Equal(toFactor, backend.Weight, 9);
            Assert.Equal(i == rings.Count - 1 ? BackendState.Up : BackendState.Warming, backend.State);

            // Keys move only to the ramped backend: it is the only one gaining, and it loses nothing.
            RingMovement movement = RingDiff.Compare(before, after);
            Assert.Equal([ramped], movement.Gained.Keys);
            Assert.DoesNotContain(ramped, movement.Lost.Keys);
            Assert.Equal(movement.MovedFraction, movement.Lost.Values.Sum(), 12);
            foreach (var other in before.Backends.Where(b => b.Id != ramped))
                Assert.True(after.ShareOf(other.Id) <= before.ShareOf(other.Id), $"{fromLabel} -> {toLabel}: {other.Id} gained");

            // The moved fraction against the backend's measured share change: at most 1.10 × (in fact exactly 1 ×).
            double measuredChange = after.ShareOf(ramped) - before.ShareOf(ramped);
            Assert.True(measuredChange > 0, $"{fromLabel} -> {toLabel}: share did not grow");
            Assert.True(movement.MovedFraction <= 1.10 * measuredChange, $"{fromLabel} -> {toLabel}: moved {movement.MovedFraction}, share change {measuredChange}");
            Assert.Equal(measuredChange, movement.MovedFraction, 12);
            total += movement.MovedFraction;

            // Against the ideal change (weight over total weight, after minus before), a step only differs by the sampling
            // noise of the points it adds: relative sigma about 1/sqrt(2 × points); measured ratios are 0.92..1.10.
            double idealChange = (toFactor / (9 + toFactor)) - (fromFactor / (9 + fromFactor));
            double ratio = movement.MovedFraction / idealChange;
            int addedPoints = RingSnapshot.PointsFor(toFactor) - RingSnapshot.PointsFor(fromFactor);
            double tolerance = 5 / Math.Sqrt(2 * addedPoints);
            worst = Math.Max(worst, ratio);
            output.WriteLine($"{fromLabel} -> {toLabel}: factor {fromFactor} -> {toFactor}, moved {movement.MovedFraction:F5}, ideal {idealChange:F5}, ratio {ratio:F3}");
            Assert.InRange(ratio, 1 - tolerance, 1 + tolerance);
        }

        // The whole ramp moves exactly the keys the backend ends up with (no key moves twice), within 1.10 × its ideal
        // share of 1/10, as adding it at full weight at once would.
        double finalShare = rings[^1].Ring.ShareOf(ramped);
        Assert.Equal(finalShare, total, 12);
        Assert.Equal(finalShare, RingDiff.Compare(rings[0].Ring, rings[^1].Ring).MovedFraction, 12);
        Assert.InRange(total, 0, 1.10 / 10);
        output.WriteLine($"worst step ratio to the ideal {worst:F3}; whole ramp moved {total:F5} = {total * 10:F3} / N");
    }
}
