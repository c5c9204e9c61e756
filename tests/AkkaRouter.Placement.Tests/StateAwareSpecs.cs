using AkkaRouter.Ring;

namespace AkkaRouter.Placement.Tests;

public class StateAwareSpecs
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact(DisplayName = "Score: the founding document's formula; a term without its signal is left out and the rest renormalised")]
    public void Score_formula()
    {
        var w = ScoreWeights.Default;
        Assert.Equal(0.4 * 1 + 0.35 * 0.8 + 0.25 / 2, StateScore.Of(new ScoreInputs(1, 0.8, 2), w), 12);
        Assert.Equal(1.0, StateScore.Of(new ScoreInputs(1, null, 1), w), 12);
        Assert.Equal((0.4 * 0.5 + 0.25 / 4) / 0.65, StateScore.Of(new ScoreInputs(0.5, null, 4), w), 12);
        // Out-of-range inputs are clamped; a zone cost below 1 counts as 1.
        Assert.Equal(1.0, StateScore.Of(new ScoreInputs(3, 2, 0.5), w), 12);
        Assert.Equal(w.MinFactor, StateScore.Factor(new ScoreInputs(0, 0, 1000), w));
    }

    [Fact(DisplayName = "Score: monotonic in health and hit rate, decreasing in zone cost")]
    public void Score_monotonic()
    {
        var random = new Random(11);
        var w = ScoreWeights.Default;
        for (int i = 0; i < 2000; i++)
        {
            double h = random.NextDouble(), c = random.NextDouble(), z = 1 + random.NextDouble() * 5, d = random.NextDouble() * 0.2;
            double s = StateScore.Of(new ScoreInputs(h, c, z), w);
            Assert.InRange(s, 0, 1);
            Assert.True(StateScore.Of(new ScoreInputs(Math.Min(1, h + d), c, z), w) >= s - 1e-12);
            Assert.True(StateScore.Of(new ScoreInputs(h, Math.Min(1, c + d), z), w) >= s - 1e-12);
            Assert.True(StateScore.Of(new ScoreInputs(h, c, z + d), w) <= s + 1e-12);
        }
    }

    private static readonly DampingSettings Damping = new(0.05, 0.1, TimeSpan.FromSeconds(30), 0.05);

    [Fact(DisplayName = "Damping holds a noisy signal still: targets within min-change of the published factor never publish")]
    public void Noise_is_held()
    {
        var damper = new WeightDamper(Damping, initial: 0.7);
        var random = new Random(3);
        for (int i = 0; i < 1000; i++)
            Assert.Null(damper.Offer(0.7 + (random.NextDouble() - 0.5) * 0.15, T0.AddSeconds(60 + i * 5), _ => 0));
        Assert.Equal(0.7, damper.Published);
    }

    [Fact(DisplayName = "Damping: quantised factors, a minimum interval between changes, and reaching 1 always allowed")]
    public void Quantum_interval_and_bound()
    {
        var damper = new WeightDamper(Damping, initial: 1.0);
        Assert.Equal(0.65, damper.Offer(0.6612, T0, _ => 0));
        Assert.Null(damper.Offer(0.3, T0.AddSeconds(29), _ => 0));
        Assert.Equal(0.3, damper.Offer(0.3, T0.AddSeconds(30), _ => 0));
        // 0.96 rounds to 0.95: a change of 0.65 from 0.3 is fine; then 1.0 is reachable from 0.95 although below min-change.
        Assert.Equal(0.95, damper.Offer(0.96, T0.AddSeconds(60), _ => 0));
        Assert.Equal(1.0, damper.Offer(1.0, T0.AddSeconds(90), _ => 0));
    }

    [Fact(DisplayName = "Damping: a change that would move more than the per-minute budget is made in parts")]
    public void Movement_budget()
    {
        var damper = new WeightDamper(Damping with { MinInterval = TimeSpan.Zero }, initial: 1.0);
        // Each 0.05 of factor moves 1 % of the key space: the 5 % budget allows 0.25 of factor per minute.
        double Moved(double from, double to) => Math.Abs(to - from) / 0.05 * 0.01;
        Assert.Equal(0.75, damper.Offer(0.2, T0, f => Moved(1.0, f)));
        Assert.Null(damper.Offer(0.2, T0.AddSeconds(30), f => Moved(0.75, f)));
        Assert.Equal(0.5, damper.Offer(0.2, T0.AddSeconds(60), f => Moved(0.75, f)));
    }

    [Fact(DisplayName = "Signals: Prometheus text counters are summed over label sets; comments and other metrics ignored")]
    public void Prometheus_text()
    {
        const string text = """
            # HELP cache_hits_total Cache hits.
            # TYPE cache_hits_total counter
            cache_hits_total{shard="a"} 10
            cache_hits_total{shard="b"} 5 1733389200000
            cache_requests_total 40
            cache_hits_total_created 12345
            garbage line
            cache_requests_total{x="}"} NaN
            """;
        var sample = SignalSample.Parse(text, ["cache_hits_total", "cache_requests_total"], T0);
        Assert.Equal(15, sample.Values["cache_hits_total"]);
        Assert.Equal(40, sample.Values["cache_requests_total"]);
    }

    [Fact(DisplayName = "Signals: hit rate and request success are rates over the window; a counter reset restarts it")]
    public void Window_rates()
    {
        var names = new SignalNames("hits", "lookups", "requests", "errors");
        var window = new SignalWindow(names, TimeSpan.FromSeconds(30));
        SignalSample At(int s, double hits, double lookups, double requests, double errors) =>
            new(T0.AddSeconds(s), new Dictionary<string, double> { ["hits"] = hits, ["lookups"] = lookups, ["requests"] = requests, ["errors"] = errors });
        window.Add(At(0, 0, 0, 0, 0));
        Assert.Null(window.CacheHitRate);
        window.Add(At(10, 50, 100, 100, 10));
        Assert.Equal(0.5, window.CacheHitRate);
        Assert.Equal(0.9, window.RequestSuccess);
        window.Add(At(40, 140, 200, 200, 10));
        // The window now starts at the 10 s sample: (140-50)/(200-100).
        Assert.Equal(0.9, window.CacheHitRate!.Value, 12);
        Assert.Equal(1.0, window.RequestSuccess);
        window.Add(At(45, 1, 2, 2, 0));
        Assert.Null(window.CacheHitRate);
    }

    [Fact(DisplayName = "A score-lowered factor moves keys only to or from that backend, every router computing the same ring")]
    public void Score_factor_moves_only_its_keys()
    {
        var ids = Enumerable.Range(0, 8).Select(i => $"10.2.0.{i}:80").ToArray();
        var identities = ids.Select(id => new BackendIdentity(id, id, "z", 1.0, null, true)).ToArray();
        var table = ids.Aggregate(BackendStateTable.Empty, (t, id) => t.WithHealth(id, new HealthReport(HealthStatus.Up, 1, "", 0, new StateVersion(1, 0), "s")));
        var settings = new PlacementSettings(0.5, true);
        var before = RingSnapshot.Build(BackendPlacement.Place(identities, table, settings), configuration: settings.Fingerprint);
        var lowered = table.WithHealth(ids[3], new HealthReport(HealthStatus.Up, 0.65, "", 0, new StateVersion(1, 1), "s",
            new ScoreReport(new ScoreInputs(1, 0, 1), 0.65, 0.65)));
        var after = before.Apply(BackendPlacement.Place(identities.Reverse(), lowered, settings));
        var movement = RingDiff.Compare(before, after);
        Assert.Equal([ids[3]], movement.Lost.Keys);
        Assert.Equal(0.65, after.Backends.Single(b => b.Id == ids[3]).Weight);
        Assert.Equal(before.ShareOf(ids[3]) - after.ShareOf(ids[3]), movement.MovedFraction, 9);
    }
}
