using System.Collections.Concurrent;

namespace AkkaRouter.Resp;

/// <summary>The open RESP connections of this node, with counters for INFO.</summary>
public sealed class RespClientRegistry
{
    private readonly ConcurrentDictionary<long, RespClient> _clients = new();
    private long _lastId;
    private long _connectionsReceived;
    private long _commandsOfClosedClients;
    private long _rejectedConnections;

    public int Count => _clients.Count;
    public long ConnectionsReceived => Interlocked.Read(ref _connectionsReceived);
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);
    public long CommandsProcessed => Interlocked.Read(ref _commandsOfClosedClients) + _clients.Values.Sum(c => c.CommandsProcessed);
    public IEnumerable<RespClient> Clients => _clients.Values.OrderBy(c => c.Id);

    public long NextId()
    {
        Interlocked.Increment(ref _connectionsReceived);
        return Interlocked.Increment(ref _lastId);
    }

    public void Rejected() => Interlocked.Increment(ref _rejectedConnections);

    public void Add(RespClient client) => _clients[client.Id] = client;

    public void Remove(RespClient client)
    {
        if (_clients.TryRemove(client.Id, out _))
            Interlocked.Add(ref _commandsOfClosedClients, client.CommandsProcessed);
    }

    public RespClient? Find(long id) => _clients.GetValueOrDefault(id);
}
