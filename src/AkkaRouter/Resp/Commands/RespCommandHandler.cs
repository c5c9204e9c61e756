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
/// <param name="sampleEvery">akka-router.tracing.resp-sample-every: one span per this many GETs of a connection; 0 = none.</param>
internal sealed class RespCommandHandler(RingView ring, RespServerSettings settings, RespClientRegistry clients, RespServerInfo info, int sampleEvery = 0)
{
    private readonly RingCommands _ring = new(ring);
    private readonly ConnectionCommands _connection = new(settings);
    private readonly ClientCommand _client = new(clients);
    private readonly IntrospectionCommands _introspection = new(ring, settings, clients, info);
    private readonly bool _passwordRequired = settings.Password.Length > 0;
    // Off (the default), a GET pays this one test.
    private readonly bool _sampling = sampleEvery > 0;
    private readonly long _sampleEvery = Math.Max(1, sampleEvery);

    /// <summary>Writes the reply; returns false when the connection must close after it (QUIT).</summary>
    public bool Execute(RespCommand command, RespWriter writer, RespClient client, RespBatchCounts counts)
    {
        client.CommandsProcessed++;
        if (command.NameEquals("GET"u8) && command.Count == 2 && (!_passwordRequired || client.Authenticated))
        {
            // The hot path: no dispatch, no error bookkeeping; the lookup's outcome is the result.
            client.LastCommand = CommandTable.Get;
            if (_sampling && client.CommandsProcessed % _sampleEvery == 0)
                counts.Get(TracedGet(command[1], writer));
            else
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

    // A sampled GET: a server span with the key's ring position and owner (only here does a GET allocate).
    private bool TracedGet(ReadOnlySpan<byte> key, RespWriter writer)
    {
        using var activity = Tracing.RouterTracing.Resp.StartActivity(Tracing.RouterTracing.RespGetSpanName, System.Diagnostics.ActivityKind.Server);
        if (activity is not { IsAllDataRequested: true })
            return _ring.Get(key, writer);
        var found = _ring.Get(key, writer);
        activity.SetTag(Tracing.RouterTracing.KeyHash, Tracing.RouterTracing.Position(Ring.RingSnapshot.KeyHash(key)));
        activity.SetTag(Tracing.RouterTracing.Service, RingView.DefaultService);
        activity.SetTag(Tracing.RouterTracing.Owner, found ? ring.Current.Owner(key)?.Endpoint : null);
        if (!found)
            activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "no backends");
        return found;
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
