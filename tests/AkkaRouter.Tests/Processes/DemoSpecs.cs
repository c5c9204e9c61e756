using System.Text.Json;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Processes;

/// <summary>
/// `akkarouter demo` as a newcomer runs it: the dashboard's address first, failover through the palette's demo
/// commands seen on RESP and on the dashboard, and a quiet stop. The demo uses the contract's default ports.
/// </summary>
[Collection("default ports")]
public sealed class DemoSpecs
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const string Backend2 = "127.0.0.1:9002";

    private static async Task<string> StateOf(string endpoint)
    {
        await using var resp = await RawRespClient.Connect(6380);
        var nodes = Assert.IsType<object?[]>(await resp.Command("RING.NODES"));
        return nodes.Select(n => ((object?[])n!).Chunk(2).ToDictionary(p => (string)p[0]!, p => (string)p[1]!))
            .Single(n => n["endpoint"] == endpoint)["state"];
    }

    [Fact(DisplayName = "The demo prints the dashboard's address first; `demo stop -b backend-2` takes that backend off (RESP and dashboard agree), `demo start` brings it back; SIGTERM stops it quietly: no error line, no stack trace")]
    public async Task Demo_shows_failover_and_stops_quietly()
    {
        await using var demo = NodeProcess.Start(["demo"]);
        await demo.WaitForOutput("Press Ctrl+C to stop.", Deadline);
        var lines = demo.Output.Split('\n');
        var up = Array.FindIndex(lines, l => l.Contains("demo cluster is up", StringComparison.Ordinal));
        Assert.Contains("Dashboard: http://127.0.0.1:8558/", lines[up + 1]);

        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8558") };
        Assert.Contains("/dashboard.js", await http.GetStringAsync("/"));

        await using var palette = await RawRespClient.Connect(9110);
        Assert.StartsWith("backend-2 stopped", Assert.IsType<string>(await palette.Command("demo", "stop", "-b", "backend-2")));
        await EventuallyAsync.True(async () => await StateOf(Backend2) == "unhealthy", Deadline, "backend-2 unhealthy on the ring");
        await EventuallyAsync.True(async () =>
        {
            using var state = JsonDocument.Parse(await http.GetStringAsync("/api/dashboard"));
            return state.RootElement.GetProperty("services")[0].GetProperty("backends").EnumerateArray()
                .Any(b => b.GetProperty("endpoint").GetString() == Backend2 && b.GetProperty("state").GetString() == "unhealthy");
        }, Deadline, "the dashboard shows backend-2 unhealthy");
        Assert.Contains("backend-2  http://127.0.0.1:9002/  stopped", Assert.IsType<string>(await palette.Command("demo", "status")));
        Assert.Contains("no demo service 'backend-9'", Assert.IsType<RespErrorReply>(await palette.Command("demo", "stop", "-b", "backend-9")).Message);

        Assert.StartsWith("backend-2 started", Assert.IsType<string>(await palette.Command("demo", "start", "-b", "backend-2")));
        await EventuallyAsync.True(async () => await StateOf(Backend2) == "up", Deadline, "backend-2 up again");

        var before = demo.Output.Length;
        demo.Terminate();
        Assert.Equal(0, await demo.WaitForExit(Deadline));
        var stopping = demo.Output[before..];
        Assert.DoesNotContain(" ERR]", stopping);
        Assert.DoesNotContain("Disassociated", stopping);
        Assert.DoesNotContain("   at ", stopping);
        Assert.DoesNotContain("[INFO][", stopping); // Akka's own console format: every line goes through Serilog
        Assert.Contains("Stopping: backends leave the cluster, then the router.", stopping);
    }
}
