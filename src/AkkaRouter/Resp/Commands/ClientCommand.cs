using System.Text;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>CLIENT SETNAME, GETNAME, ID, LIST, INFO, SETINFO and KILL.</summary>
internal sealed class ClientCommand(RespClientRegistry clients)
{
    /// <summary>Writes the reply; returns false when the caller's own connection must close after it (CLIENT KILL of itself).</summary>
    public bool Execute(RespCommand command, RespWriter writer, RespClient client)
    {
        if (command.Is(1, "ID"u8) && command.Count == 2) writer.Integer(client.Id);
        else if (command.Is(1, "GETNAME"u8) && command.Count == 2)
        {
            if (client.Name.Length == 0) writer.Null();
            else writer.BulkString(client.Name);
        }
        else if (command.Is(1, "SETNAME"u8) && command.Count == 3) SetName(command.GetString(2), writer, client);
        else if (command.Is(1, "SETINFO"u8) && command.Count == 4) SetInfo(command, writer, client);
        else if (command.Is(1, "INFO"u8) && command.Count == 2) writer.VerbatimString(Encoding.UTF8.GetBytes(Line(client) + "\n"));
        else if (command.Is(1, "LIST"u8)) List(command, writer);
        else if (command.Is(1, "KILL"u8) && command.Count >= 3) return Kill(command, writer, client);
        else if (command.Is(1, "HELP"u8)) Help(writer);
        else if (IsKnown(command)) RespErrors.WrongArity(writer, "client|" + command.GetString(1).ToLowerInvariant());
        else RespErrors.UnknownSubcommand(writer, command);
        return true;
    }

    /// <summary>Redis's rule for client names: printable ASCII without spaces.</summary>
    public static bool IsValidName(string name) => name.All(c => c > ' ' && c <= '~');

    private static bool IsKnown(RespCommand command) =>
        command.Is(1, "ID"u8) || command.Is(1, "GETNAME"u8) || command.Is(1, "SETNAME"u8) || command.Is(1, "SETINFO"u8)
        || command.Is(1, "INFO"u8) || command.Is(1, "KILL"u8);

    private static void SetName(string name, RespWriter writer, RespClient client)
    {
        if (!IsValidName(name))
        {
            writer.Error("ERR Client names cannot contain spaces, newlines or special characters.");
            return;
        }
        client.Name = name;
        writer.Raw(RespLiterals.Ok);
    }

    private static void SetInfo(RespCommand command, RespWriter writer, RespClient client)
    {
        var value = command.GetString(3);
        if (!IsValidName(value) && value.Length > 0)
        {
            writer.Error($"ERR {command.GetString(2)} cannot contain spaces, newlines or special characters.");
            return;
        }
        if (command.Is(2, "LIB-NAME"u8)) client.LibName = value;
        else if (command.Is(2, "LIB-VER"u8)) client.LibVersion = value;
        else
        {
            writer.Error($"ERR Unrecognized option '{command.GetString(2)}'");
            return;
        }
        writer.Raw(RespLiterals.Ok);
    }

    private void List(RespCommand command, RespWriter writer)
    {
        IEnumerable<RespClient> selected = clients.Clients;
        if (command.Count == 4 && command.Is(2, "ID"u8) && command.TryGetInt64(3, out var id))
            selected = selected.Where(c => c.Id == id);
        else if (command.Count == 4 && command.Is(2, "TYPE"u8))
            selected = command.Is(3, "NORMAL"u8) ? selected : [];
        else if (command.Count != 2)
        {
            writer.Raw(RespErrors.Syntax);
            return;
        }
        var text = new StringBuilder();
        foreach (var c in selected)
            text.Append(Line(c)).Append('\n');
        writer.VerbatimString(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>CLIENT KILL ip:port | CLIENT KILL ID id | CLIENT KILL ADDR ip:port; replies with the number killed (new form) or OK.</summary>
    /// <remarks>As in Redis, a client that kills itself gets the reply first: its connection closes after it (returns false).</remarks>
    private bool Kill(RespCommand command, RespWriter writer, RespClient caller)
    {
        if (command.Count == 3)
        {
            var address = command.GetString(2);
            var target = clients.Clients.FirstOrDefault(c => c.RemoteAddress == address);
            if (target is null) { writer.Error("ERR No such client"); return true; }
            if (target != caller)
                target.Handler.Tell(new RespConnectionActor.Kill("CLIENT KILL"), Akka.Actor.ActorRefs.NoSender);
            writer.Raw(RespLiterals.Ok);
            return target != caller;
        }
        IEnumerable<RespClient> targets = clients.Clients;
        // As in Redis, the filter form never kills the caller unless SKIPME no is given.
        var skipMe = true;
        for (var i = 2; i + 1 < command.Count; i += 2)
        {
            if (command.Is(i, "SKIPME"u8) && (command.Is(i + 1, "yes"u8) || command.Is(i + 1, "no"u8))) skipMe = command.Is(i + 1, "yes"u8);
            else if (command.Is(i, "ID"u8) && command.TryGetInt64(i + 1, out var id)) targets = targets.Where(c => c.Id == id);
            else if (command.Is(i, "ADDR"u8)) { var a = command.GetString(i + 1); targets = targets.Where(c => c.RemoteAddress == a); }
            else if (command.Is(i, "LADDR"u8)) { var a = command.GetString(i + 1); targets = targets.Where(c => c.LocalAddress == a); }
            else { writer.Raw(RespErrors.Syntax); return true; }
        }
        if (command.Count % 2 != 0) { writer.Raw(RespErrors.Syntax); return true; }
        var killed = 0;
        var self = false;
        foreach (var target in targets.ToList())
        {
            if (target == caller && skipMe) continue;
            if (target == caller) self = true;
            else target.Handler.Tell(new RespConnectionActor.Kill("CLIENT KILL"), Akka.Actor.ActorRefs.NoSender);
            killed++;
        }
        writer.Integer(killed);
        return !self;
    }

    private static void Help(RespWriter writer)
    {
        string[] lines =
        [
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ID", "    Return the ID of the current connection.",
            "GETNAME", "    Return the name of the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <LIB-NAME|LIB-VER> <value>", "    Set client library name or version.",
            "INFO", "    Return information about the current client connection.",
            "LIST [TYPE NORMAL|ID <id>]", "    Return information about client connections.",
            "KILL <ip:port> | KILL [ID <id>] [ADDR <ip:port>] [LADDR <ip:port>] [SKIPME yes|no]", "    Kill connections.",
        ];
        writer.ArrayHeader(lines.Length);
        foreach (var line in lines)
            writer.SimpleString(Encoding.UTF8.GetBytes(line));
    }

    private static string Line(RespClient c)
    {
        var now = Environment.TickCount64;
        return $"id={c.Id} addr={c.RemoteAddress} laddr={c.LocalAddress} fd=-1 name={c.Name} age={(now - c.CreatedTicks) / 1000} " +
               $"idle={(now - c.LastActivityTicks) / 1000} flags=N db={c.Database} sub=0 psub=0 ssub=0 multi=-1 " +
               $"obl=0 oll=0 omem=0 events=r cmd={(c.LastCommand < 0 ? "NULL" : CommandTable.All[c.LastCommand].Name)} user=default redir=-1 resp={(int)c.Protocol} " +
               $"lib-name={c.LibName} lib-ver={c.LibVersion}";
    }
}
