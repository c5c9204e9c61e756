using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using AkkaRouter.Membership;
using AkkaRouter.Ring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AkkaRouter.Dashboard;

/// <summary>
/// The dashboard on the management port: <c>GET /</c> (the page and its script, embedded in the node, nothing
/// fetched from elsewhere), <c>/api/dashboard</c> (the state document), <c>/api/dashboard/stream</c> (the same as
/// server-sent events, one on every change and at least every second), <c>/api/dashboard/ring</c> (a service's ring
/// as arcs at display resolution) and <c>/api/dashboard/key</c> (a key's position, owner and preference list).
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>Display resolution of the ring: 1,440 segments of a quarter degree, each drawn in its midpoint's owner's colour.</summary>
    public const int Segments = 1440;

    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static void Map(WebApplication app, RingView ring, DashboardFeed feed)
    {
        app.MapGet("/", () => Asset("dashboard.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard.js", () => Asset("dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard.css", () => Asset("dashboard.css", "text/css; charset=utf-8"));
        // A CancellationToken parameter (the request's abort), not HttpContext: a lambda of HttpContext returning a
        // Task binds as a RequestDelegate, and the result it returns would be dropped.
        app.MapGet("/api/dashboard", async (CancellationToken aborted) => Results.Bytes(await feed.Read(aborted), "application/json"));
        app.MapGet("/api/dashboard/stream", (HttpContext context) => Stream(context, feed));
        app.MapGet("/api/dashboard/ring", (string? service) =>
            ring.Find(service ?? RingView.DefaultService) is { } found
                ? Results.Bytes(Arcs(found), "application/json")
                : Results.Text($"unknown service '{service}'\n", statusCode: 404));
        app.MapGet("/api/dashboard/key", (string? key, string? service) =>
        {
            if (key is null)
                return Results.Text("key is required (?key=...)\n", statusCode: 400);
            return ring.Find(service ?? RingView.DefaultService) is { } found
                ? Results.Bytes(Key(found, key), "application/json")
                : Results.Text($"unknown service '{service}'\n", statusCode: 404);
        });
    }

    private static async Task Stream(HttpContext context, DashboardFeed feed)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var cancel = context.RequestAborted;
        var sent = -1L;
        IDisposable? watching = null;
        try
        {
            // A stream opened while nobody watched starts with a rebuilt document, not the one left from before.
            await feed.Read(cancel);
            watching = feed.OpenStream();
            while (!cancel.IsCancellationRequested)
            {
                var (json, sequence) = feed.Current;
                if (sequence != sent)
                {
                    await context.Response.WriteAsync("event: state\ndata: ", cancel);
                    await context.Response.Body.WriteAsync(json, cancel);
                    await context.Response.WriteAsync("\n\n", cancel);
                    await context.Response.Body.FlushAsync(cancel);
                    sent = sequence;
                }
                var next = feed.Next(sent, cancel);
                if (await Task.WhenAny(next, Task.Delay(Heartbeat, cancel)) != next)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", cancel);
                    await context.Response.Body.FlushAsync(cancel);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
        finally
        {
            watching?.Dispose();
        }
    }

    // The ring at display resolution: each segment's midpoint owner, runs of one owner merged into an arc.
    internal static byte[] Arcs(ServiceRing service)
    {
        var snapshot = service.Current;
        var ids = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("service", service.Name);
            json.WriteNumber("version", snapshot.Version);
            json.WriteString("checksum", snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
            json.WriteNumber("segments", Segments);
            json.WriteStartArray("arcs");
            int start = 0, owner = -2;
            for (var i = 0; i <= Segments; i++)
            {
                var current = i == Segments ? -3 : OwnerIndex(snapshot, i, ids, index);
                if (current == owner)
                    continue;
                if (owner >= 0)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(start);
                    json.WriteNumberValue(i - start);
                    json.WriteNumberValue(owner);
                    json.WriteEndArray();
                }
                (start, owner) = (i, current);
            }
            json.WriteEndArray();
            json.WriteStartArray("backends");
            foreach (var id in ids)
                json.WriteStringValue(id);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static int OwnerIndex(RingSnapshot snapshot, int segment, List<string> ids, Dictionary<string, int> index)
    {
        var position = (uint)((segment + 0.5) * (4294967296.0 / Segments));
        if (snapshot.OwnerAt(position) is not { } owner)
            return -1;
        if (!index.TryGetValue(owner.Id, out var i))
        {
            i = ids.Count;
            ids.Add(owner.Id);
            index[owner.Id] = i;
        }
        return i;
    }

    // A key's position (and where it sits on the circle, 0 to 1 clockwise from the top), its owner and preference list.
    internal static byte[] Key(ServiceRing service, string key)
    {
        var snapshot = service.Current;
        var position = (uint)(RingSnapshot.KeyHash(Encoding.UTF8.GetBytes(key)) >> 32);
        var preference = snapshot.PreferenceList(key, 3);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("key", key);
            json.WriteString("service", service.Name);
            json.WriteString("position", position.ToString("x8", CultureInfo.InvariantCulture));
            json.WriteNumber("fraction", position / 4294967296.0);
            json.WriteString("owner", preference.Count > 0 ? preference[0].Endpoint : "");
            json.WriteStartArray("preference");
            foreach (var b in preference)
            {
                json.WriteStartObject();
                json.WriteString("id", b.Id);
                json.WriteString("endpoint", b.Endpoint);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static IResult Asset(string name, string contentType)
    {
        using var resource = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("AkkaRouter.Dashboard." + name);
        if (resource is null)
            return Results.Text($"{name} is missing from this build\n", statusCode: 500);
        using var buffer = new MemoryStream();
        resource.CopyTo(buffer);
        return Results.Bytes(buffer.ToArray(), contentType);
    }
}
