using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>A command this server answers, with Redis's arity convention (negative = at least).</summary>
internal sealed record CommandSpec(string Name, int Arity, string Flags, int FirstKey, int LastKey, int KeyStep, string Summary)
{
    public readonly byte[] NameBytes = System.Text.Encoding.ASCII.GetBytes(Name.ToUpperInvariant());

    public bool AcceptsArity(int count) => Arity >= 0 ? count == Arity : count >= -Arity;
}

/// <summary>The commands of the RESP lookup port, as COMMAND reports them.</summary>
internal static class CommandTable
{
    public static readonly CommandSpec[] All =
    [
        new("get", 2, "readonly,fast", 1, 1, 1, "Returns the host:port of the key's owner."),
        new("mget", -2, "readonly,fast", 1, -1, 1, "Returns the owner of each key."),
        new("ring.get", 3, "readonly,fast", 2, 2, 1, "RING.GET service key: the host:port of the key's owner on the service's ring."),
        new("ring.lookup", -2, "readonly,fast", 1, 1, 1, "RING.LOOKUP key [count [service]]: the key's preference list, COUNT distinct owners in order (default 3)."),
        new("ring.nodes", -1, "readonly", 0, 0, 0, "RING.NODES [service]: the ring's backends with weight, zone, state and share of the key space."),
        new("ring.info", -1, "readonly,fast", 0, 0, 0, "RING.INFO [service]: the ring's version, member count, points and checksum."),
        new("ring.explain", -2, "readonly", 1, 1, 1, "RING.EXPLAIN key [service]: the rule that decided the owner and every candidate with state, weights and score."),
        new("ring.services", 1, "readonly", 0, 0, 0, "Returns every service's ring: name, version, members, owners, points, checksum and placement."),
        new("dbsize", 1, "readonly,fast", 0, 0, 0, "Returns the number of backends that own keys."),
        new("select", 2, "loading,stale,fast", 0, 0, 0, "Accepted and ignored (nginx's redis module sends it)."),
        new("ping", -1, "fast,stale", 0, 0, 0, "Returns PONG, or the message."),
        new("echo", 2, "fast", 0, 0, 0, "Returns the message."),
        new("quit", -1, "fast,noauth", 0, 0, 0, "Closes the connection."),
        new("hello", -1, "fast,noauth", 0, 0, 0, "Handshakes: protocol version (2 or 3), AUTH, SETNAME."),
        new("auth", -2, "fast,noauth", 0, 0, 0, "Authenticates the connection."),
        new("client", -2, "stale", 0, 0, 0, "SETNAME, GETNAME, ID, LIST, INFO, SETINFO, KILL."),
        new("info", -1, "stale", 0, 0, 0, "Returns server, clients, stats, replication and ring information."),
        new("command", -1, "stale", 0, 0, 0, "COUNT, DOCS, INFO, LIST: the command table."),
        new("config", -2, "stale", 0, 0, 0, "GET: the configuration parameters clients ask for on connect."),
        new("role", 1, "fast,stale", 0, 0, 0, "Returns the replication role (always master)."),
    ];

    /// <summary>Index of GET in <see cref="All"/>.</summary>
    public const int Get = 0;

    /// <summary>Index of the command in <see cref="All"/>, or -1 when this server does not know it.</summary>
    public static int IndexOf(RespCommand command)
    {
        for (var i = 0; i < All.Length; i++)
        {
            if (command.NameEquals(All[i].NameBytes))
                return i;
        }
        return -1;
    }

    public static CommandSpec? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
