using System.Security.Cryptography;
using System.Text;
using AkkaRouter.Configuration;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>PING, SELECT, HELLO and AUTH: the connection handshake as Redis clients perform it.</summary>
internal sealed class ConnectionCommands(RespServerSettings settings)
{
    private readonly byte[] _password = Encoding.UTF8.GetBytes(settings.Password);

    public void Ping(RespCommand command, RespWriter writer)
    {
        if (command.Count > 2) RespErrors.WrongArity(writer, "ping");
        else if (command.Count == 2) writer.BulkString(command[1]);
        else writer.Raw(RespLiterals.Pong);
    }

    public void Select(RespCommand command, RespWriter writer, RespClient client)
    {
        if (!command.TryGetInt64(1, out var db))
        {
            writer.Raw(RespErrors.NotAnInteger);
            return;
        }
        client.Database = db;
        writer.Raw(RespLiterals.Ok);
    }

    /// <summary>AUTH password | AUTH username password (only the "default" user exists, as in Redis without ACLs).</summary>
    public void Auth(RespCommand command, RespWriter writer, RespClient client)
    {
        if (command.Count > 3)
        {
            writer.Raw(RespErrors.Syntax);
            return;
        }
        if (_password.Length == 0)
        {
            if (command.Count == 2) writer.Raw(RespErrors.NoPasswordConfigured);
            else if (command.Is(1, "default"u8)) { client.Authenticated = true; writer.Raw(RespLiterals.Ok); }
            else writer.Raw(RespErrors.WrongPass);
            return;
        }
        if (Authenticate(command, userIndex: command.Count == 3 ? 1 : -1, passwordIndex: command.Count - 1, client))
            writer.Raw(RespLiterals.Ok);
        else
            writer.Raw(RespErrors.WrongPass);
    }

    /// <summary>HELLO [protover [AUTH username password] [SETNAME clientname]].</summary>
    public void Hello(RespCommand command, RespWriter writer, RespClient client)
    {
        var protocol = client.Protocol;
        var next = 1;
        if (command.Count > 1)
        {
            if (!command.TryGetInt64(1, out var version))
            {
                writer.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            if (version is not (2 or 3))
            {
                writer.Error("NOPROTO sorry, this protocol version is not supported.");
                return;
            }
            protocol = (RespProtocol)version;
            next = 2;
        }
        string? name = null;
        for (var i = next; i < command.Count; i++)
        {
            if (command.Is(i, "AUTH"u8) && i + 2 < command.Count)
            {
                if (!Authenticate(command, i + 1, i + 2, client))
                {
                    writer.Raw(RespErrors.WrongPass);
                    return;
                }
                i += 2;
            }
            else if (command.Is(i, "SETNAME"u8) && i + 1 < command.Count)
            {
                name = command.GetString(++i);
                if (!ClientCommand.IsValidName(name))
                {
                    writer.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                    return;
                }
            }
            else
            {
                writer.Error($"ERR Syntax error in HELLO option '{command.GetString(i)}'");
                return;
            }
        }
        if (_password.Length > 0 && !client.Authenticated)
        {
            writer.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (name is not null)
            client.Name = name;
        client.Protocol = protocol;
        writer.Protocol = protocol;
        writer.MapHeader(7);
        writer.BulkString("server"); writer.BulkString(RespServerInfo.ServerName);
        writer.BulkString("version"); writer.BulkString(RespServerInfo.RedisCompatibleVersion);
        writer.BulkString("proto"); writer.Integer((int)protocol);
        writer.BulkString("id"); writer.Integer(client.Id);
        writer.BulkString("mode"); writer.BulkString("standalone");
        writer.BulkString("role"); writer.BulkString("master");
        writer.BulkString("modules"); writer.ArrayHeader(0);
    }

    private bool Authenticate(RespCommand command, int userIndex, int passwordIndex, RespClient client)
    {
        var userOk = userIndex < 0 || command.Is(userIndex, "default"u8);
        // Fixed-time comparison: the reply time must not reveal how much of the password matched.
        var passwordOk = _password.Length == 0 || CryptographicOperations.FixedTimeEquals(command[passwordIndex], _password);
        if (userOk && passwordOk)
            client.Authenticated = true;
        return userOk && passwordOk;
    }
}
