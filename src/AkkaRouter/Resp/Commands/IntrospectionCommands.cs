using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AkkaRouter.Configuration;
using AkkaRouter.Membership;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>INFO, COMMAND, CONFIG GET and ROLE: what clients and tools probe on connect.</summary>
internal sealed class IntrospectionCommands(RingView ring, RespServerSettings settings, RespClientRegistry clients, RespServerInfo info)
{
    private static readonly string[] Sections = ["server", "clients", "stats", "replication", "cpu", "cluster", "keyspace", "ring"];

    public void Info(RespCommand command, RespWriter writer)
    {
        var wanted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < command.Count; i++)
            wanted.Add(command.GetString(i));
        var all = wanted.Count == 0 || wanted.Contains("all") || wanted.Contains("everything") || wanted.Contains("default");
        var text = new StringBuilder();
        foreach (var section in Sections)
        {
            if (!all && !wanted.Contains(section))
                continue;
            if (text.Length > 0)
                text.Append("\r\n");
            text.Append("# ").Append(char.ToUpperInvariant(section[0])).Append(section.AsSpan(1)).Append("\r\n");
            AppendSection(section, text);
        }
        writer.VerbatimString(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private void AppendSection(string section, StringBuilder text)
    {
        void Field(string name, object value) =>
            text.Append(name).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append("\r\n");
        switch (section)
        {
            case "server":
                Field("redis_version", RespServerInfo.RedisCompatibleVersion);
                Field("akkarouter_version", RespServerInfo.ProductVersion);
                Field("redis_mode", "standalone");
                Field("os", RuntimeInformation.OSDescription);
                Field("arch_bits", IntPtr.Size * 8);
                Field("process_id", RespServerInfo.ProcessId);
                Field("tcp_port", info.Port);
                Field("uptime_in_seconds", (long)info.Uptime.TotalSeconds);
                Field("uptime_in_days", (long)info.Uptime.TotalDays);
                break;
            case "clients":
                Field("connected_clients", clients.Count);
                Field("maxclients", settings.MaxClients);
                break;
            case "stats":
                Field("total_connections_received", clients.ConnectionsReceived);
                Field("total_commands_processed", clients.CommandsProcessed);
                Field("rejected_connections", clients.RejectedConnections);
                break;
            case "cpu":
                var cpu = Environment.CpuUsage;
                Field("used_cpu_sys", cpu.PrivilegedTime.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture));
                Field("used_cpu_user", cpu.UserTime.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture));
                break;
            case "replication":
                Field("role", "master");
                Field("connected_slaves", 0);
                break;
            case "cluster":
                // Redis Cluster protocol is not spoken: clients must not switch to cluster mode.
                Field("cluster_enabled", 0);
                break;
            case "ring":
                var snapshot = ring.Current;
                Field("ring_version", snapshot.Version);
                Field("ring_backends", snapshot.Count);
                Field("ring_points", snapshot.PointCount);
                Field("ring_checksum", snapshot.Checksum.ToString("x16", CultureInfo.InvariantCulture));
                break;
        }
    }

    public void Command(RespCommand command, RespWriter writer)
    {
        if (command.Count == 1)
        {
            writer.ArrayHeader(CommandTable.All.Length);
            foreach (var spec in CommandTable.All)
                WriteInfo(spec, writer);
        }
        else if (command.Is(1, "COUNT"u8) && command.Count == 2) writer.Integer(CommandTable.All.Length);
        else if (command.Is(1, "LIST"u8))
        {
            writer.ArrayHeader(CommandTable.All.Length);
            foreach (var spec in CommandTable.All)
                writer.BulkString(spec.Name);
        }
        else if (command.Is(1, "INFO"u8))
        {
            var specs = command.Count == 2
                ? CommandTable.All
                : Enumerable.Range(2, command.Count - 2).Select(i => CommandTable.Find(command.GetString(i))).ToArray();
            writer.ArrayHeader(specs.Length);
            foreach (var spec in specs)
            {
                if (spec is null) writer.NullArray();
                else WriteInfo(spec, writer);
            }
        }
        else if (command.Is(1, "DOCS"u8))
        {
            var specs = command.Count == 2
                ? CommandTable.All
                : Enumerable.Range(2, command.Count - 2).Select(i => CommandTable.Find(command.GetString(i))).OfType<CommandSpec>().ToArray();
            writer.MapHeader(specs.Length);
            foreach (var spec in specs)
            {
                writer.BulkString(spec.Name);
                writer.MapHeader(3);
                writer.BulkString("summary"); writer.BulkString(spec.Summary);
                writer.BulkString("since"); writer.BulkString("1.0.0");
                writer.BulkString("group"); writer.BulkString(spec.Name.StartsWith("ring", StringComparison.Ordinal) || spec.Name is "get" or "mget" or "dbsize" ? "string" : "connection");
            }
        }
        else RespErrors.UnknownSubcommand(writer, command);
    }

    // The 10-field reply of Redis 7's COMMAND INFO: name, arity, flags, first key, last key, step,
    // ACL categories, tips, key specifications, subcommands.
    private static void WriteInfo(CommandSpec spec, RespWriter writer)
    {
        writer.ArrayHeader(10);
        writer.BulkString(spec.Name);
        writer.Integer(spec.Arity);
        var flags = spec.Flags.Split(',');
        writer.SetHeader(flags.Length);
        foreach (var flag in flags)
            writer.SimpleString(Encoding.ASCII.GetBytes(flag));
        writer.Integer(spec.FirstKey);
        writer.Integer(spec.LastKey);
        writer.Integer(spec.KeyStep);
        writer.SetHeader(0);
        writer.SetHeader(0);
        writer.ArrayHeader(0);
        writer.ArrayHeader(0);
    }

    /// <summary>CONFIG GET pattern [pattern ...]: the parameters clients read on connect; CONFIG SET is refused.</summary>
    public void Config(RespCommand command, RespWriter writer)
    {
        if (!command.Is(1, "GET"u8))
        {
            if (command.Is(1, "SET"u8) || command.Is(1, "REWRITE"u8) || command.Is(1, "RESETSTAT"u8))
                writer.Error($"ERR CONFIG {command.GetString(1).ToUpperInvariant()} is not supported: AkkaRouter is configured through HOCON (akka-router.resp.*)");
            else
                RespErrors.UnknownSubcommand(writer, command);
            return;
        }
        if (command.Count < 3)
        {
            RespErrors.WrongArity(writer, "config|get");
            return;
        }
        var parameters = Parameters();
        var matches = new List<KeyValuePair<string, string>>();
        for (var i = 2; i < command.Count; i++)
        {
            var pattern = command.GetString(i);
            matches.AddRange(parameters.Where(p => GlobMatches(pattern, p.Key) && matches.All(m => m.Key != p.Key)));
        }
        writer.MapHeader(matches.Count);
        foreach (var (key, value) in matches)
        {
            writer.BulkString(key);
            writer.BulkString(value);
        }
    }

    public void Role(RespWriter writer)
    {
        writer.ArrayHeader(3);
        writer.BulkString("master");
        writer.Integer(0);
        writer.ArrayHeader(0);
    }

    private Dictionary<string, string> Parameters() => new(StringComparer.Ordinal)
    {
        ["databases"] = "16",
        ["maxclients"] = settings.MaxClients.ToString(CultureInfo.InvariantCulture),
        ["timeout"] = ((long)settings.IdleTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        ["port"] = info.Port.ToString(CultureInfo.InvariantCulture),
        ["proto-max-bulk-len"] = settings.MaxBulkLength.ToString(CultureInfo.InvariantCulture),
        ["save"] = "",
        ["appendonly"] = "no",
        ["slave-read-only"] = "yes",
        ["replica-read-only"] = "yes",
        ["cluster-enabled"] = "no",
    };

    // Redis's CONFIG GET glob: '*' and '?' (enough for the patterns clients send).
    private static bool GlobMatches(string pattern, string value)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == value[v])) { p++; v++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = v; }
            else if (star >= 0) { p = star + 1; v = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
