using AkkaRouter.Hosting;
using AkkaRouter.Ring;
using AkkaRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Tests.Resp;

/// <summary>
/// A router node started in-process with the production wiring, its RESP port bound to a free port
/// of 127.0.0.1 and its ring holding three static backends (10.0.0.3 with weight 2). Subclasses add
/// HOCON (password, limits, timeouts) for the spec class that uses them.
/// </summary>
public class RespNode : IAsyncLifetime
{
    public const string ThreeBackends = """
        akka-router.static-backends = [
          { endpoint = "10.0.0.1:8081" },
          { endpoint = "10.0.0.2:8081" },
          { endpoint = "10.0.0.3:8081", weight = 2 }
        ]
        """;

    /// <summary>Every listener on a free port of 127.0.0.1, so nodes of parallel spec classes never collide.</summary>
    private const string FreePorts = """
        akka-router.resp.host = "127.0.0.1"
        akka-router.resp.port = 0
        akka-router.http.host = "127.0.0.1"
        akka-router.http.port = 0
        akka-router.cmd.host = "127.0.0.1"
        akka-router.cmd.port = 0
        akka-router.management.host = "127.0.0.1"
        akka-router.management.port = 0
        akka-router.logging.level = Warning
        # The static backends are addresses nothing listens on: these specs are about the RESP server, not health.
        akka-router.health-check.type = none
        """;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private InProcessNode? _node;

    /// <summary>HOCON for this node, laid over <see cref="ThreeBackends"/> unless overridden.</summary>
    protected virtual string Hocon => ThreeBackends;

    /// <summary>Backends the ring must hold before the specs run.</summary>
    protected virtual int ExpectedBackends => 3;

    public InProcessNode Node => _node ?? throw new InvalidOperationException("node not started");

    /// <summary>The port the RESP listener bound.</summary>
    public int Port { get; private set; }

    public RingSnapshot Ring => Node.Ring.Current;

    /// <summary>The owner of <paramref name="key"/> as the ring library computes it in the test process.</summary>
    public string Owner(string key) => Ring.Owner(key)!.Endpoint;

    public Task<RawRespClient> Connect(int? receiveBufferSize = null) => RawRespClient.Connect(Port, receiveBufferSize);

    public async Task InitializeAsync()
    {
        _node = await InProcessNode.Start(FreePorts + "\n" + Hocon);
        var listeners = _node.Host.Services.GetRequiredService<ListenerRegistry>();
        await Eventually.True(() => listeners.Find("resp") is not null, StartDeadline, "the RESP listener is bound");
        Port = listeners.Find("resp")!.Port;
        await Eventually.True(() => _node.Ring.Current.OwnerCount == ExpectedBackends, StartDeadline, $"{ExpectedBackends} backends own keys");
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
    }

    /// <summary>Starts a node outside xunit's fixture lifecycle (the caller disposes it).</summary>
    public static async Task<RespNode> Start()
    {
        var node = new RespNode();
        try
        {
            await node.InitializeAsync();
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }
}
