using System.Collections.Concurrent;
using AkkaRouter.Cluster.Tests.Harness;
using RawRespClient = AkkaRouter.Tests.Support.RawRespClient;

namespace AkkaRouter.Cluster.Tests;

/// <summary>Bounded loads at the HTTP edge of a router process (akka-router.http.balance-factor = 1.25), in front of real HTTP services.</summary>
public sealed class BoundedLoadSpecs(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const string HotKey = "/documents/hot";

    [Fact(DisplayName = "Bounded loads: a hot key whose owner holds its requests spills to the key's next backend at the edge, never elsewhere, and every request succeeds")]
    public async Task Hot_key_spills_to_its_next_backend()
    {
        var services = new List<BackendService>();
        await using var cluster = new ClusterHarness();
        try
        {
            for (var i = 1; i <= 3; i++)
                services.Add(await BackendService.Start($"s-{i}"));
            var statics = string.Join(", ", services.Select(s => $"{{ endpoint = \"{s.Endpoint}\" }}"));
            await cluster.Run(output, async () =>
            {
                var router = cluster.StartSeedRouter("router-1", new Dictionary<string, string>
                {
                    ["AKKAROUTER__AKKA_ROUTER__STATIC_BACKENDS"] = $"[ {statics} ]",
                    ["AKKAROUTER__AKKA_ROUTER__HTTP__BALANCE_FACTOR"] = "1.25",
                });
                await router.WaitUntilUp(ClusterHarness.StartTimeout);
                await cluster.WaitForAgreement(3, Deadline);
                await using var resp = await RawRespClient.Connect(router.Spec.Host, router.RespPort);
                var preference = Assert.IsType<object?[]>(await resp.Command("RING.LOOKUP", HotKey, "3")).Cast<string>().ToArray();
                var owner = services.Single(s => s.Endpoint == preference[0]);
                var second = services.Single(s => s.Endpoint == preference[1]);
                owner.Gate = new SemaphoreSlim(0);

                // Sent one after another while the owner holds them: the owner takes requests up to its bound,
                // then they spill to the key's second backend, which answers at once.
                using var http = new HttpClient { Timeout = Deadline };
                var pending = new List<Task<HttpResponseMessage>>();
                var decisions = new ConcurrentBag<string>();
                for (var i = 0; i < 6; i++)
                {
                    var heldBefore = owner.Held;
                    var servedBefore = second.Served;
                    var request = http.GetAsync($"http://{router.Spec.Host}:{router.HttpPort}{HotKey}");
                    await Eventually.True(() => owner.Held > heldBefore || second.Served > servedBefore, Deadline, $"request {i + 1} reached a backend");
                    pending.Add(request);
                }
                output.WriteLine($"owner {owner.Name} holds {owner.Held}; second {second.Name} served {second.Served}; the third served {services.Except([owner, second]).Sum(s => s.Served)}");
                Assert.InRange(owner.Held, 1, 3);
                Assert.True(second.Served >= 3, $"the second backend served {second.Served}");
                Assert.Equal(0, services.Except([owner, second]).Sum(s => s.Served));

                owner.Gate.Release(100);
                foreach (var response in await Task.WhenAll(pending))
                {
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
                    Assert.Contains(body.Split(' ')[0], new[] { owner.Name, second.Name });
                    decisions.Add(string.Join(",", response.Headers.TryGetValues("X-AkkaRouter-Decision", out var d) ? d : []));
                }
                output.WriteLine($"decisions: {string.Join(" ", decisions)}");
                Assert.Contains("spill", decisions);
            });
        }
        finally
        {
            foreach (var service in services)
            {
                service.Gate?.Release(100);
                await service.DisposeAsync();
            }
        }
    }
}
