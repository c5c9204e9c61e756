using System.Net;
using AkkaRouter.Configuration;
using AkkaRouter.Http;
using AkkaRouter.Tests.Support;
using Xunit.Abstractions;

namespace AkkaRouter.Tests.Http;

/// <summary>Bounded loads on the HTTP edge (akka-router.http.balance-factor), through the production wiring and real HTTP.</summary>
public class BoundedLoadSpecs(ITestOutputHelper output)
{
    private const string HotKey = "/documents/hot";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    /// <summary>Three backends and an edge in front of them; <see cref="Owner"/>, <see cref="Second"/>, <see cref="Third"/> are the hot key's preference list.</summary>
    private sealed class Fleet : IAsyncDisposable
    {
        private readonly List<TestBackend> _backends;

        private Fleet(List<TestBackend> backends, EdgeNode edge)
        {
            _backends = backends;
            Edge = edge;
            var preference = edge.Node.Ring.Current.PreferenceList(HotKey, 3).Select(b => backends.Single(t => t.Endpoint == b.Endpoint)).ToArray();
            Assert.Equal(3, preference.Length);
            (Owner, Second, Third) = (preference[0], preference[1], preference[2]);
        }

        public EdgeNode Edge { get; }
        public TestBackend Owner { get; }
        public TestBackend Second { get; }
        public TestBackend Third { get; }
        public IEnumerable<TestBackend> Backends => _backends;

        public static async Task<Fleet> Start(string hocon)
        {
            var backends = new List<TestBackend>();
            foreach (var name in new[] { "a", "b", "c" })
                backends.Add(await TestBackend.Start(name));
            var edge = await EdgeNode.Start(backends.Select(b => b.Endpoint), hocon);
            // The edge actor tracks a backend's load once it has seen the ring that holds it.
            await Eventually.True(() => backends.All(b => edge.Loads.Find(b.Endpoint) is not null), Deadline, "the edge tracks every backend's load");
            return new Fleet(backends, edge);
        }

        public int HotSeen() => _backends.Sum(b => b.Seen.Count(s => s.Path == HotKey));

        public async ValueTask DisposeAsync()
        {
            foreach (var backend in _backends)
                backend.Gate?.Release(1000);
            await Edge.DisposeAsync();
            foreach (var backend in _backends)
                await backend.DisposeAsync();
        }
    }

    private static string Header(HttpResponseMessage response, string name) => string.Join(", ", response.Headers.GetValues(name));

    [Theory(DisplayName = "A hot key whose owner and second hold their requests spills along its preference list: owner and second share it, the third only when both are over the bound")]
    [InlineData(3, "OSOSOSTT")]
    // With one attempt only the owner and the second are candidates: when both are over, the owner takes it.
    [InlineData(1, "OSOSOSOS")]
    public async Task Hot_key_spills_along_its_preference_list(int maxAttempts, string expected)
    {
        await using var fleet = await Fleet.Start($$"""
            akka-router.http { balance-factor = 1.25, debug-headers = on, max-attempts = {{maxAttempts}} }
            """);
        fleet.Owner.Gate = new SemaphoreSlim(0);
        fleet.Second.Gate = new SemaphoreSlim(0);
        var byLetter = new Dictionary<char, TestBackend> { ['O'] = fleet.Owner, ['S'] = fleet.Second, ['T'] = fleet.Third };

        var responses = new List<Task<HttpResponseMessage>>();
        for (var k = 0; k < expected.Length; k++)
        {
            var before = fleet.Backends.ToDictionary(b => b, b => b.Seen.Count);
            responses.Add(fleet.Edge.Client.GetAsync(HotKey));
            await Eventually.True(() => fleet.HotSeen() == k + 1, Deadline, $"request {k + 1} reaches a backend");
            var reached = fleet.Backends.Single(b => b.Seen.Count > before[b]);
            Assert.True(byLetter[expected[k]] == reached,
                $"request {k + 1} went to {reached.Name}, expected {byLetter[expected[k]].Name} ({expected[k]}); owner {fleet.Owner.Name}, second {fleet.Second.Name}, third {fleet.Third.Name}");
            if (reached.Gate is null)
                Assert.Equal(HttpStatusCode.OK, (await responses[k]).StatusCode);
            // The edge's counts settle before the next decision: exactly the held requests are in flight.
            var held = fleet.Owner.Held + fleet.Second.Held;
            await Eventually.True(() => fleet.Edge.Loads.Total == held, Deadline, $"the edge counts {held} requests in flight");
        }
        Assert.Equal(expected.Count(c => c == 'O'), fleet.Owner.Held);
        Assert.Equal(expected.Count(c => c == 'S'), fleet.Second.Held);

        fleet.Owner.Gate.Release(100);
        fleet.Second.Gate.Release(100);
        for (var k = 0; k < expected.Length; k++)
        {
            using var response = await responses[k];
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var backend = byLetter[expected[k]];
            Assert.Equal(backend.Name, Header(response, TestBackend.ServedBy));
            Assert.Equal(backend.Endpoint, Header(response, HttpEdgeForwarder.BackendHeader));
            var spilled = expected[k] != 'O';
            Assert.Equal(spilled ? HttpEdgeForwarder.SpillDecision : HttpEdgeForwarder.OwnerDecision, Header(response, HttpEdgeForwarder.DecisionHeader));
        }
        await Eventually.True(() => fleet.Edge.Loads.Total == 0, Deadline, "every request left the edge's counts");

        var metrics = await fleet.Edge.Metrics();
        double Spills(TestBackend backend) => metrics.GetValueOrDefault($"akkarouter_http_spills_total{{backend=\"{backend.Endpoint}\"}}");
        Assert.Equal(expected.Count(c => c != 'O'), Spills(fleet.Owner));
        Assert.Equal(expected.Count(c => c == 'T'), Spills(fleet.Second));
        Assert.Equal(0, Spills(fleet.Third));
    }

    [Fact(DisplayName = "Concurrent requests for a hot key with a slow owner all succeed: the owner keeps a bounded share, the rest spill to the key's next backends")]
    public async Task Concurrent_hot_key_with_a_slow_owner()
    {
        await using var fleet = await Fleet.Start("akka-router.http { balance-factor = 1.25, debug-headers = on }");
        fleet.Owner.Gate = new SemaphoreSlim(0);
        const int clients = 8, perClient = 20;
        var finished = 0;
        var results = new List<(HttpStatusCode Status, string ServedBy, string Tried, string Decision)>();
        async Task Client()
        {
            for (var n = 0; n < perClient; n++)
            {
                using var response = await fleet.Edge.Client.GetAsync(HotKey);
                lock (results)
                    results.Add((response.StatusCode, Header(response, TestBackend.ServedBy), Header(response, HttpEdgeForwarder.BackendHeader),
                        Header(response, HttpEdgeForwarder.DecisionHeader)));
            }
            Interlocked.Increment(ref finished);
        }
        var load = Enumerable.Range(0, clients).Select(_ => Task.Run(Client)).ToArray();

        // Clients whose request the owner holds wait; the others carry on until they are done. Without the bound every
        // client would end up waiting on the owner.
        await Eventually.True(() => Volatile.Read(ref finished) + fleet.Owner.Held == clients, TimeSpan.FromSeconds(30),
            "every client is done or waiting on the owner");
        var heldByOwner = fleet.Owner.Held;
        Assert.InRange(heldByOwner, 1, clients - 1);
        Assert.Equal(heldByOwner, fleet.Edge.Loads.Find(fleet.Owner.Endpoint)!.Current);
        fleet.Owner.Gate.Release(1000);
        await Task.WhenAll(load);

        Assert.Equal(clients * perClient, results.Count);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        // One attempt each, to the backend that served it, and the decision says whether the owner was passed over.
        Assert.All(results, r => Assert.Equal(fleet.Backends.Single(b => b.Name == r.ServedBy).Endpoint, r.Tried));
        Assert.All(results, r => Assert.Equal(r.ServedBy == fleet.Owner.Name ? HttpEdgeForwarder.OwnerDecision : HttpEdgeForwarder.SpillDecision, r.Decision));
        var bySecond = results.Count(r => r.ServedBy == fleet.Second.Name);
        var byThird = results.Count(r => r.ServedBy == fleet.Third.Name);
        output.WriteLine($"owner held {heldByOwner}; served: owner {results.Count(r => r.ServedBy == fleet.Owner.Name)}, second {bySecond}, third {byThird}");
        Assert.True(bySecond > byThird, $"the second served {bySecond}, the third {byThird}: spills go to the second first");

        // Every request not served by the owner passed it over; the third only got requests that passed the second over too.
        await Eventually.True(() => fleet.Edge.Loads.Total == 0, Deadline, "every request left the edge's counts");
        var metrics = await fleet.Edge.Metrics();
        Assert.Equal(bySecond + byThird, metrics.GetValueOrDefault($"akkarouter_http_spills_total{{backend=\"{fleet.Owner.Endpoint}\"}}"));
        Assert.Equal(byThird, metrics.GetValueOrDefault($"akkarouter_http_spills_total{{backend=\"{fleet.Second.Endpoint}\"}}"));
    }

    [Fact(DisplayName = "With balance-factor 0 every request for a hot key goes to its owner, however many it holds, and nothing is counted")]
    public async Task Off_sends_every_request_to_the_owner()
    {
        await using var fleet = await Fleet.Start("akka-router.http { balance-factor = 0, debug-headers = on }");
        fleet.Owner.Gate = new SemaphoreSlim(0);
        const int requests = 6;
        var responses = Enumerable.Range(0, requests).Select(_ => fleet.Edge.Client.GetAsync(HotKey)).ToArray();
        await Eventually.True(() => fleet.Owner.Held == requests, Deadline, $"the owner holds all {requests} requests");
        Assert.Equal(requests, fleet.HotSeen());
        Assert.Equal(0, fleet.Edge.Loads.Total);

        fleet.Owner.Gate.Release(1000);
        foreach (var task in responses)
        {
            using var response = await task;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(fleet.Owner.Name, Header(response, TestBackend.ServedBy));
            Assert.Equal(fleet.Owner.Endpoint, Header(response, HttpEdgeForwarder.BackendHeader));
            Assert.Equal(HttpEdgeForwarder.OwnerDecision, Header(response, HttpEdgeForwarder.DecisionHeader));
        }
        Assert.DoesNotContain((await fleet.Edge.Metrics()).Keys, k => k.StartsWith("akkarouter_http_spills_total{", StringComparison.Ordinal));
    }

    [Fact(DisplayName = "A spilled request still retries down the preference list on a refused connect, and an open circuit is skipped, not spilled over")]
    public async Task Spill_retries_and_skips_open_circuits()
    {
        await using var fleet = await Fleet.Start("""
            akka-router.http { balance-factor = 1.25, debug-headers = on, circuit-breaker { failure-threshold = 1, reset-timeout = 60s } }
            """);
        fleet.Owner.Gate = new SemaphoreSlim(0);
        var held = fleet.Edge.Client.GetAsync(HotKey);
        await Eventually.True(() => fleet.Owner.Held == 1 && fleet.Edge.Loads.Total == 1, Deadline, "the owner holds the first request");
        await fleet.Second.Kill();

        // Over its bound, the owner is passed over for the second, which refuses: the retry goes on to the third.
        using (var retried = await fleet.Edge.Client.GetAsync(HotKey))
        {
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.Equal(fleet.Third.Name, Header(retried, TestBackend.ServedBy));
            Assert.Equal($"{fleet.Second.Endpoint}, {fleet.Third.Endpoint}", Header(retried, HttpEdgeForwarder.BackendHeader));
            Assert.Equal(HttpEdgeForwarder.SpillDecision, Header(retried, HttpEdgeForwarder.DecisionHeader));
        }
        await Eventually.True(() => fleet.Edge.Circuits.Find(fleet.Second.Endpoint)?.Phase == CircuitPhase.Open, Deadline, "the second's circuit opens");
        await Eventually.True(() => fleet.Edge.Loads.Total == 1, Deadline, "only the held request is in flight");

        // Now the second is skipped for its open circuit: straight to the third, and only the owner was spilled over.
        using (var skipped = await fleet.Edge.Client.GetAsync(HotKey))
        {
            Assert.Equal(HttpStatusCode.OK, skipped.StatusCode);
            Assert.Equal(fleet.Third.Endpoint, Header(skipped, HttpEdgeForwarder.BackendHeader));
            Assert.Equal(HttpEdgeForwarder.SpillDecision, Header(skipped, HttpEdgeForwarder.DecisionHeader));
        }
        fleet.Owner.Gate.Release(10);
        using var first = await held;
        Assert.Equal(fleet.Owner.Name, Header(first, TestBackend.ServedBy));
        Assert.Equal(HttpEdgeForwarder.OwnerDecision, Header(first, HttpEdgeForwarder.DecisionHeader));

        var metrics = await fleet.Edge.Metrics();
        Assert.Equal(2, metrics.GetValueOrDefault($"akkarouter_http_spills_total{{backend=\"{fleet.Owner.Endpoint}\"}}"));
        Assert.Equal(0, metrics.GetValueOrDefault($"akkarouter_http_spills_total{{backend=\"{fleet.Second.Endpoint}\"}}"));
    }

    [Fact(DisplayName = "balance-factor defaults to 0 (off) and reads a factor such as 1.25")]
    public void Balance_factor_is_read()
    {
        Assert.Equal(0, RouterSettingsReader.Read(RouterConfig.Load([], new Dictionary<string, string>())).Http.BalanceFactor);
        Assert.Equal(1.25, RouterSettingsReader.Read(RouterConfig.FromText("akka-router.http.balance-factor = 1.25")).Http.BalanceFactor);
    }

    [Theory(DisplayName = "A balance-factor that is not 0 or above 1 fails with one line naming the key")]
    [InlineData("1", "1 must be 0 (off) or greater than 1, e.g. 1.25")]
    [InlineData("0.8", "0.8 must be 0 (off) or greater than 1, e.g. 1.25")]
    [InlineData("-2", "-2 must be 0 (off) or greater than 1, e.g. 1.25")]
    [InlineData("lots", "'lots' is not a number")]
    public void Invalid_balance_factor_names_the_key(string value, string problem)
    {
        var error = Assert.Throws<ConfigurationError>(() => RouterSettingsReader.Read(RouterConfig.FromText($"akka-router.http.balance-factor = {value}")));
        Assert.Equal($"akka-router.http.balance-factor: {problem}", error.Message);
    }
}
