using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using AkkaRouter.Tests.Http;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Nginx;

/// <summary>
/// The nginx front's failover: one `RING.LOOKUP key 2` per request gives the owner and the next
/// backend, and a request the owner could not answer is proxied to the next backend, within nginx's
/// rules for non-idempotent requests. Real nginx, real router process, real backends.
/// </summary>
[Trait("Requires", "nginx")]
public class NginxFailoverSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private sealed record Outcome(HttpStatusCode? Status, string Body, string? Upstream);

    [Fact(DisplayName = "With a dead backend in the ring, 300 GETs and POSTs through nginx all succeed; those the dead backend owns land on the backend RING.LOOKUP names second, and 502 names both when that one is dead too")]
    public async Task Requests_for_a_dead_owner_land_on_the_next_backend()
    {
        RequireNginx();
        var backends = new List<TestBackend>();
        try
        {
            for (var i = 1; i <= 3; i++)
                backends.Add(await TestBackend.Start($"backend-{i}"));
            var names = backends.ToDictionary(b => b.Endpoint, b => b.Name);
            // Held for the whole test: connects are refused and no other socket can start listening there.
            using var deadPort = new ReservedPort();
            var dead = deadPort.Endpoint;

            await using var router = RouterNode.WithStaticBackends([.. names.Keys, dead]);
            var respPort = await RouterNode.RespPort(router, Deadline);
            using var probe = await RespProbe.WhenOwners(respPort, 4, Deadline);

            await using var nginx = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline);
            using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

            var paths = Enumerable.Range(0, 300).Select(i => $"/documents/doc-{i}").ToList();
            var owners = paths.ToDictionary(p => p, p => probe.Call("GET", p));
            var preference = paths.ToDictionary(p => p, p => probe.CallArray("RING.LOOKUP", p, "2"));
            var deadOwned = paths.Where(p => owners[p] == dead).ToList();
            Assert.True(deadOwned.Count >= 20, $"the dead backend owns only {deadOwned.Count} of 300 keys; the test needs a fair share");

            // Every third request is a POST: a refused connection means nothing reached the owner, so
            // nginx passes non-idempotent requests on as well.
            var methods = paths.Select((p, i) => (p, i % 3 == 0 ? HttpMethod.Post : HttpMethod.Get)).ToDictionary(x => x.p, x => x.Item2);
            var served = await SendAll(http, paths, methods);

            var wrong = paths.Where(p =>
            {
                var servedBy = owners[p] == dead ? preference[p][1] : owners[p];
                var tried = owners[p] == dead ? $"{dead}, {servedBy}" : servedBy;
                var s = served[p];
                return s.Status != HttpStatusCode.OK || s.Body != $"{names.GetValueOrDefault(servedBy)} {methods[p].Method} {p}\n" || s.Upstream != tried;
            }).Select(p => $"{methods[p].Method} {p}: GET says {owners[p]}, RING.LOOKUP says [{string.Join(", ", preference[p])}]; " +
                           $"nginx gave {(int?)served[p].Status} upstream={served[p].Upstream} '{served[p].Body.Trim()}'").ToList();
            Assert.True(wrong.Count == 0, $"{wrong.Count} of 300 requests failed or went astray ({deadOwned.Count} owned by the dead {dead}):\n" +
                                          $"{string.Join('\n', wrong.Take(10))}\n{nginx.Diagnostics()}");

            // Failover stops at the second backend: with that one dead too, nginx says which it tried.
            var path = deadOwned[0];
            var next = backends.Single(b => b.Endpoint == preference[path][1]);
            await next.Kill();
            using var down = await http.GetAsync(path);
            var body = await down.Content.ReadAsStringAsync();
            Assert.True(down.StatusCode == HttpStatusCode.BadGateway, $"expected 502, got {(int)down.StatusCode} '{body}'");
            // nginx may first pick up a pooled connection to the killed backend that it has not yet
            // seen closed; that attempt costs no try, so the killed backend can appear twice.
            Assert.Matches($@"^akkarouter: backend {Regex.Escape(dead)} unreachable \(tried {Regex.Escape(dead)}(, {Regex.Escape(next.Endpoint)}){{1,2}}\)\n$", body);
        }
        finally
        {
            foreach (var backend in backends)
                await backend.DisposeAsync();
        }
    }

    [Fact(DisplayName = "A GET whose owner hangs up (FIN or RST) after receiving it is answered by the next backend; a POST the owner received is not sent again and gets 502")]
    public async Task Requests_the_owner_dropped_are_retried_only_when_idempotent()
    {
        RequireNginx();
        await using var abrupt = AbruptBackend.Start();
        await using var backend1 = await TestBackend.Start("backend-1");
        await using var backend2 = await TestBackend.Start("backend-2");
        var backends = new[] { backend1, backend2 };
        var names = backends.ToDictionary(b => b.Endpoint, b => b.Name);

        await using var router = RouterNode.WithStaticBackends([.. names.Keys, abrupt.Endpoint]);
        var respPort = await RouterNode.RespPort(router, Deadline);
        using var probe = await RespProbe.WhenOwners(respPort, 3, Deadline);

        await using var nginx = await NginxProcess.Start([$"127.0.0.1:{respPort}"], Deadline);
        using var http = new HttpClient { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var paths = Enumerable.Range(0, 150).Select(i => $"/sessions/s-{i}").ToList();
        var owners = paths.ToDictionary(p => p, p => probe.Call("GET", p));
        var preference = paths.ToDictionary(p => p, p => probe.CallArray("RING.LOOKUP", p, "2"));
        var abruptOwned = paths.Where(p => owners[p] == abrupt.Endpoint).ToList();
        Assert.True(abruptOwned.Count >= 10, $"the abrupt backend owns only {abruptOwned.Count} of 150 keys; the test needs a fair share");

        var served = await SendAll(http, paths, paths.ToDictionary(p => p, _ => HttpMethod.Get));
        var wrong = paths.Where(p =>
        {
            var servedBy = owners[p] == abrupt.Endpoint ? preference[p][1] : owners[p];
            return served[p].Status != HttpStatusCode.OK || served[p].Body != $"{names.GetValueOrDefault(servedBy)} GET {p}\n";
        }).Select(p => $"GET {p}: GET says {owners[p]}, RING.LOOKUP says [{string.Join(", ", preference[p])}]; " +
                       $"nginx gave {(int?)served[p].Status} upstream={served[p].Upstream} '{served[p].Body.Trim()}'").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of 150 GETs failed or went astray ({abruptOwned.Count} owned by the abrupt {abrupt.Endpoint}):\n" +
                                      $"{string.Join('\n', wrong.Take(10))}\n{nginx.Diagnostics()}");
        // Each of its keys' GETs reached the owner first, exactly once, and only those.
        Assert.Equal(abruptOwned.Select(p => $"GET {p} HTTP/1.1").Order(), abrupt.Dropped.Order());

        // A POST the owner received may have been acted on: nginx does not send it again.
        var path = abruptOwned[0];
        using var post = await http.PostAsync(path, new StringContent("order=1"));
        var body = await post.Content.ReadAsStringAsync();
        Assert.True(post.StatusCode == HttpStatusCode.BadGateway, $"expected 502 for a POST the owner dropped, got {(int)post.StatusCode} '{body}'");
        Assert.Equal($"akkarouter: backend {abrupt.Endpoint} unreachable (tried {abrupt.Endpoint})\n", body);
        Assert.Contains($"POST {path} HTTP/1.1", abrupt.Dropped);
        Assert.DoesNotContain(backends.SelectMany(b => b.Seen), seen => seen.Method == "POST");
    }

    /// <summary>Sends every path once, 8 at a time; a transport failure is an outcome too, not an exception.</summary>
    private static async Task<Dictionary<string, Outcome>> SendAll(HttpClient http, IReadOnlyList<string> paths, IReadOnlyDictionary<string, HttpMethod> methods)
    {
        var outcomes = new ConcurrentDictionary<string, Outcome>();
        await Parallel.ForEachAsync(paths, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (path, ct) =>
        {
            using var request = new HttpRequestMessage(methods[path], path);
            if (methods[path] == HttpMethod.Post)
                request.Content = new StringContent($"body of {path}");
            try
            {
                using var response = await http.SendAsync(request, ct);
                var upstream = response.Headers.TryGetValues("X-AkkaRouter-Upstream", out var values) ? values.Single() : null;
                outcomes[path] = new Outcome(response.StatusCode, await response.Content.ReadAsStringAsync(ct), upstream);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                outcomes[path] = new Outcome(null, e.Message, null);
            }
        });
        return new Dictionary<string, Outcome>(outcomes);
    }

    private static void RequireNginx()
    {
        var missing = NginxProcess.MissingPrerequisite();
        Assert.True(missing is null, missing);
    }
}
