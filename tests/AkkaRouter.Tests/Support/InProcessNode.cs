using Akka.Actor;
using Akka.Cluster;
using AkkaRouter.Configuration;
using AkkaRouter.Hosting;
using AkkaRouter.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AkkaRouter.Tests.Support;

/// <summary>A node built with the production wiring (<see cref="RouterNode"/>) inside the test process.</summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private InProcessNode(IHost host) => Host = host;

    public IHost Host { get; }
    public ActorSystem System => Host.Services.GetRequiredService<ActorSystem>();
    public RingView Ring => Host.Services.GetRequiredService<RingView>();
    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;
    public bool Stopped { get; private set; }

    /// <summary>Starts a node from HOCON layered over the defaults; remoting on a free port of 127.0.0.1.</summary>
    public static async Task<InProcessNode> Start(string hocon)
    {
        var config = RouterConfig.FromText("akka.remote.dot-netty.tcp.port = 0\n" + FreeListenerPorts + hocon);
        var node = new InProcessNode(RouterNode.CreateHost(config, RouterSettingsReader.Read(config)));
        await node.Host.StartAsync();
        return node;
    }

    /// <summary>Every listener on a free port, so nodes in one process never collide; later lines may override.</summary>
    public const string FreeListenerPorts = "akka-router { resp.port = 0, http.port = 0, cmd.port = 0, management.port = 0 }\n";

    public static string SeedHocon(Address seed) => $"akka.cluster.seed-nodes = [\"{seed}\"]\n";

    /// <summary>Graceful stop: CoordinatedShutdown, which leaves the cluster first.</summary>
    public async Task Stop()
    {
        if (Stopped)
            return;
        Stopped = true;
        await Host.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        Host.Dispose();
    }
}
