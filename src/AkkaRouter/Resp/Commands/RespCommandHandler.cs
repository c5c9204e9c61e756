using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>Answers one parsed command into the connection's reply buffer.</summary>
/// <remarks>
/// Ring lookups come first and read the current snapshot with one volatile read; everything else
/// (introspection, client management) is rare and may allocate.
/// </remarks>
internal sealed class RespCommandHandler(RingView ring, RespServerSettings settings, RespClientRegistry clients, RespServerInfo info)
{
    private readonly RingCommands _ring = new(ring);
    private readonly ConnectionCommands _connection = new(settings);
    private readonly ClientCommand _client = new(clients);
    private readonly IntrospectionCommands _introspection = new(ring, settings, clients, info);
    private readonly bool _passwordRequired = settings.Password.Length > 0;

    /// <summary>Writes the reply; returns false when the connection must close after it (QUIT).</summary>
    public bool Execute(RespCommand command, RespWriter writer, RespClient client)
    {
        client.CommandsProcessed++;
        if (command.NameEquals("GET"u8))
        {
            client.LastCommand = "get";
            if (!Allowed(client, writer)) return true;
            if (command.Count != 2) RespErrors.WrongArity(writer, "get");
            else _ring.Get(command[1], writer);
            return true;
        }
        if (_passwordRequired && !client.Authenticated
            && !command.NameEquals("AUTH"u8) && !command.NameEquals("HELLO"u8) && !command.NameEquals("QUIT"u8))
        {
            writer.Raw(RespErrors.NoAuth);
            return true;
        }
        return Dispatch(command, writer, client);
    }

    private bool Allowed(RespClient client, RespWriter writer)
    {
        if (!_passwordRequired || client.Authenticated)
            return true;
        writer.Raw(RespErrors.NoAuth);
        return false;
    }

    private bool Dispatch(RespCommand command, RespWriter writer, RespClient client)
    {
        var name = CommandTable.Find(command);
        if (name is null)
        {
            RespErrors.UnknownCommand(writer, command);
            return true;
        }
        client.LastCommand = name.Name;
        if (!name.AcceptsArity(command.Count))
        {
            RespErrors.WrongArity(writer, name.Name);
            return true;
        }
        switch (name.Name)
        {
            case "mget": _ring.MGet(command, writer); break;
            case "ring.lookup": _ring.Lookup(command, writer); break;
            case "ring.nodes": _ring.Nodes(writer); break;
            case "ring.info": _ring.Info(writer); break;
            case "dbsize": writer.Integer(ring.Current.Count); break;
            case "ping": _connection.Ping(command, writer); break;
            case "echo": writer.BulkString(command[1]); break;
            case "select": _connection.Select(command, writer, client); break;
            case "quit": writer.Raw(RespLiterals.Ok); return false;
            case "hello": _connection.Hello(command, writer, client); break;
            case "auth": _connection.Auth(command, writer, client); break;
            case "client": _client.Execute(command, writer, client); break;
            case "info": _introspection.Info(command, writer); break;
            case "command": _introspection.Command(command, writer); break;
            case "config": _introspection.Config(command, writer); break;
            case "role": _introspection.Role(writer); break;
            default: RespErrors.UnknownCommand(writer, command); break;
        }
        return true;
    }
}
