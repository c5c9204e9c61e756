using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Http;

/// <summary>A client that gives up on a request: what the edge counts.</summary>
public class ClientAbortSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact(DisplayName = "A client that goes away mid-request is counted as 499 (client closed request), not as a 502 nobody received")]
    public async Task Client_abort_counts_as_499()
    {
        await using var backend = await TestBackend.Start("slow");
        backend.Gate = new SemaphoreSlim(0);
        await using var edge = await EdgeNode.Start([backend.Endpoint]);
        try
        {
            using var cancel = new CancellationTokenSource();
            var request = edge.Client.GetAsync("/documents/abc", cancel.Token);
            await Eventually.True(() => backend.Held == 1, Deadline, "the backend holds the request");
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

            var aborted = $"akkarouter_http_requests_total{{backend=\"{backend.Endpoint}\",status=\"499\"}}";
            await EventuallyAsync.True(async () => (await edge.Metrics()).GetValueOrDefault(aborted) == 1, Deadline, "the abort counted as 499");
            var metrics = await edge.Metrics();
            Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("akkarouter_http_requests_total", StringComparison.Ordinal) && k.Contains("status=\"502\"", StringComparison.Ordinal));
        }
        finally
        {
            backend.Gate.Release(100);
        }
    }
}
