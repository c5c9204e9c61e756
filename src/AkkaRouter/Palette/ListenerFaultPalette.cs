using Akka.Actor;
using Akka.Hosting;
using AkkaRouter.Hosting;
using AkkaRouter.Http;
using AkkaRouter.Resp;
using Microsoft.Extensions.DependencyInjection;

namespace AkkaRouter.Palette;

/// <summary>
/// `fault listener`: injects a listener failure, so tests can watch a real node rebind or stop. Offered only by a node
/// started with AKKAROUTER_FAULT_INJECTION=on (<see cref="ListenerFault"/>); no other node has the command.
/// </summary>
public sealed class ListenerFaultPalette(IServiceProvider services) : IPaletteExtension
{
    public IEnumerable<PaletteCommand> Commands =>
    [
        new("fault listener", "fault listener -l resp|cmd|http -k socket|crash|stop|port-taken",
            "test only: make a listener fail (socket: its listening socket dies; crash: its actor throws; stop: its actor stops; port-taken: its socket dies and its port is taken)",
            Inject),
    ];

    private Task<string> Inject(PaletteArguments args)
    {
        args.AllowOnly("l", "listener", "k", "kind");
        var kind = (args.Option("k", "kind") ?? throw new PaletteUsageError("-k KIND is required")) switch
        {
            "socket" => ListenerFaultKind.Socket,
            "crash" => ListenerFaultKind.Crash,
            "stop" => ListenerFaultKind.Stop,
            "port-taken" => ListenerFaultKind.PortTaken,
            var other => throw new PaletteUsageError($"unknown kind '{other}' (socket, crash, stop, port-taken)"),
        };
        var registry = ActorRegistry.For(services.GetRequiredService<ActorSystem>());
        var name = args.Option("l", "listener") ?? throw new PaletteUsageError("-l LISTENER is required");
        IActorRef target = name switch
        {
            "resp" => registry.Get<RespServerActor>(),
            "cmd" => registry.Get<CommandHostActor>(),
            "http" when kind is ListenerFaultKind.Crash or ListenerFaultKind.Stop => registry.Get<HttpEdgeActor>(),
            "http" => throw new PaletteUsageError("the HTTP edge takes crash or stop (Kestrel owns its socket)"),
            _ => throw new PaletteUsageError($"unknown listener '{name}' (resp, cmd, http)"),
        };
        target.Tell(new ListenerFault(kind));
        return Task.FromResult($"injected {args.Option("k", "kind")} into the {name} listener\n");
    }
}
