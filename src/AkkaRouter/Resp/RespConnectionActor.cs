using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;
using AkkaRouter.Metrics;
using AkkaRouter.Resp.Commands;

namespace AkkaRouter.Resp;

/// <summary>
/// Owns one client connection: starts its I/O loop, registers it for CLIENT LIST, and closes it on
/// CLIENT KILL, the watchdog or shutdown. Commands never pass through the mailbox.
/// </summary>
internal sealed class RespConnectionActor : ReceiveActor
{
    /// <summary>Close the connection now.</summary>
    public sealed record Kill(string Reason);

    /// <summary>Answer the commands already received, then close (node shutdown).</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    private sealed record Closed(Exception? Error);

    private readonly RespClientRegistry _registry;
    private readonly RespClient _client;
    private readonly RespConnection _connection;
    private readonly RouterMetrics _metrics;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RespConnectionActor(Socket socket, long id, RespClientRegistry registry, RespCommandHandler handler, RespParser parser, RouterMetrics metrics, RespCommandStats stats,
        Tls.PemCertificateSource? certificates)
    {
        _registry = registry;
        _metrics = metrics;
        _client = new RespClient(id, socket.RemoteEndPoint, socket.LocalEndPoint, Self);
        _connection = new RespConnection(socket, _client, handler, parser, new RespBatchCounts(stats), certificates);

        Receive<Closed>(closed =>
        {
            if (closed.Error is not null)
                _log.Error(closed.Error, "RESP connection {ClientId} from {ClientAddress} failed", _client.Id, _client.RemoteAddress);
            Context.Stop(Self);
        });
        Receive<Kill>(kill =>
        {
            _log.Debug("Closing RESP connection {ClientId} from {ClientAddress}: {Reason}", _client.Id, _client.RemoteAddress, kill.Reason);
            _connection.Abort();
        });
        Receive<Drain>(_ => _connection.Drain());
    }

    internal static Props Props(Socket socket, long id, RespClientRegistry registry, RespCommandHandler handler, RespParser parser, RouterMetrics metrics, RespCommandStats stats,
        Tls.PemCertificateSource? certificates) =>
        Akka.Actor.Props.Create(() => new RespConnectionActor(socket, id, registry, handler, parser, metrics, stats, certificates));

    internal RespClient Client => _client;

    protected override void PreStart()
    {
        _registry.Add(_client);
        _metrics.RespConnections.Inc();
        var self = Self;
        _connection.Run().ContinueWith(
            t => self.Tell(new Closed(t.Exception?.GetBaseException())),
            TaskContinuationOptions.ExecuteSynchronously);
    }

    protected override void PostStop()
    {
        _connection.Abort();
        _registry.Remove(_client);
        _metrics.RespConnections.Dec();
    }
}
