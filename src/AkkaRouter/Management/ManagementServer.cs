using System.Net;
using Akka.Actor;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AkkaRouter.Management;

/// <summary>
/// Management HTTP: the dashboard (/), /health/live, /health/ready, /metrics (Prometheus text), /api/ring,
/// /api/cluster, and the backend overrides (drain, undrain, weight).
/// </summary>
/// <remarks>
/// A Kestrel server of its own, started after the actor system, on every node (routers and backends). When Kestrel's
/// accept loop ends under it the node stops (exit code 5) rather than rebinding: this port is what orchestrators
/// probe, so a node whose management port is dead is restarted by its liveness probe anyway — stopping at once says
/// why in the log instead of leaving a probe timeout to find out.
/// </remarks>
public sealed class ManagementServer(IServiceProvider services, RouterSettings settings) : IHostedService
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var listener = settings.Management.Listener;
        if (!listener.Enabled)
            return;
        var system = services.GetRequiredService<ActorSystem>();
        var ring = services.GetRequiredService<RingView>();
        var metrics = services.GetRequiredService<RouterMetrics>();
        var status = new NodeStatus(system, settings, ring, services.GetRequiredService<ListenerRegistry>());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new KestrelAcceptWatch(reason =>
            NodeTermination.StopForDeadListener(system, $"management HTTP listener on {listener.Host}:{listener.Port} stopped accepting ({reason})")));
        builder.WebHost.UseKestrel(k => k.Listen(ListenerRegistry.Resolve(listener.Host, "management"), listener.Port));
        var app = builder.Build();
        app.MapGet("/health/live", () => status.Live ? Results.Text("live\n") : Results.Text("actor system terminated\n", statusCode: 503));
        app.MapGet("/health/ready", () =>
        {
            var (ready, reason) = status.Readiness();
            return Results.Text(reason + "\n", statusCode: ready ? 200 : 503);
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteTo(context.Response.Body, context.RequestAborted);
        });
        app.MapGet("/api/ring", () => Results.Bytes(ManagementApi.Document(json => ManagementApi.WriteRing(json, ring)), "application/json"));
        app.MapGet("/api/cluster", () => Results.Bytes(ManagementApi.Document(json => ManagementApi.WriteCluster(json, system)), "application/json"));
        BackendOverrideEndpoints.Map(app, system, settings.Management.Token);
        Dashboard.DashboardEndpoints.Map(app, ring, services.GetRequiredService<Dashboard.DashboardFeed>());

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"management listener cannot bind {listener.Host}:{listener.Port}: {e.Message}", e);
        }
        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var endpoint = IPEndPoint.Parse(new Uri(bound).Authority);
        services.GetRequiredService<ListenerRegistry>().Register("management", endpoint);
        Serilog.Log.Information("Management HTTP listening on {ManagementEndpoint}", endpoint);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
