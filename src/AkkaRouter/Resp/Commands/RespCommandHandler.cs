using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Metrics;
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
    public bool Execute(RespCommand command, RespWriter writer, RespClient client, RespBatchCounts counts)
    {
        client.CommandsProcessed++;
        if (command.NameEquals("GET"u8) && command.Count == 2 && (!_passwordRequired || client.Authenticated))
        {
            // The hot path: no dispatch, no error bookkeeping; the lookup's outcome is the result.
            client.LastCommand = CommandTable.Get;
            counts.Get(_ring.Get(command[1], writer));
            return true;
        }
        var errorsBefore = writer.ErrorCount;
        int index;
        var keepOpen = true;
        if (command.NameEquals("GET"u8))
        {
            index = CommandTable.Get;
            client.LastCommand = CommandTable.Get;
            if (!Allowed(client, writer)) { }
            else RespErrors.WrongArity(writer, "get");
        }
        else if (_passwordRequired && !client.Authenticated
            && !command.NameEquals("AUTH"u8) && !command.NameEquals("HELLO"u8) && !command.NameEquals("QUIT"u8))
        {
            index = CommandTable.IndexOf(command);
            writer.Raw(RespErrors.NoAuth);
        }
        else
        {
            index = CommandTable.IndexOf(command);
            keepOpen = Dispatch(index, command, writer, client, counts);
        }
        counts.Answered(index < 0 ? RespBatchCounts.UnknownCommand : index, writer.ErrorCount == errorsBefore);
        return keepOpen;
    }

    private bool Allowed(RespClient client, RespWriter writer)
    {
        if (!_passwordRequired || client.Authenticated)
            return true;
        writer.Raw(RespErrors.NoAuth);
        return false;
    }

    private bool Dispatch(int index, RespCommand command, RespWriter writer, RespClient client, RespBatchCounts counts)
    {
        if (index < 0)
        {
            RespErrors.UnknownCommand(writer, command);
            return true;
        }
        var name = CommandTable.All[index];
        client.LastCommand = index;
        if (!name.AcceptsArity(command.Count))
        {
            RespErrors.WrongArity(writer, name.Name);
            return true;
        }
        switch (name.Name)
        {
            case "mget": _ring.MGet(command, writer, counts); break;
            case "ring.get": counts.Lookup(_ring.ServiceGet(command, writer)); break;
            case "ring.lookup": _ring.Lookup(command, writer, counts); break;
            case "ring.nodes": _ring.Nodes(command, writer); break;
            case "ring.info": _ring.Info(command, writer); break;
            case "ring.explain": _ring.Explain(command, writer); break;
            case "ring.services": _ring.Services(writer); break;
            case "dbsize": writer.Integer(ring.Current.OwnerCount); break;
            case "ping": _connection.Ping(command, writer); break;
            case "echo": writer.BulkString(command[1]); break;
            case "select": _connection.Select(command, writer, client); break;
            case "quit": writer.Raw(RespLiterals.Ok); return false;
            case "hello": _connection.Hello(command, writer, client); break;
            case "auth": _connection.Auth(command, writer, client); break;
            case "client": if (!_client.Execute(command, writer, client)) return false; break;
            case "info": _introspection.Info(command, writer); break;
            case "command": _introspection.Command(command, writer); break;
            case "config": _introspection.Config(command, writer); break;
            case "role": _introspection.Role(writer); break;
            default: RespErrors.UnknownCommand(writer, command); break;
        }
        return true;
    }
}
