using System.Text;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Commands;

/// <summary>Error replies with the exact texts Redis sends, so clients recognise them.</summary>
internal static class RespErrors
{
    public static ReadOnlySpan<byte> NoBackends => "-ERR no backends in ring\r\n"u8;
    public static ReadOnlySpan<byte> NoAuth => "-NOAUTH Authentication required.\r\n"u8;
    public static ReadOnlySpan<byte> WrongPass => "-WRONGPASS invalid username-password pair or user is disabled.\r\n"u8;
    public static ReadOnlySpan<byte> NoPasswordConfigured =>
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"u8;
    public static ReadOnlySpan<byte> Syntax => "-ERR syntax error\r\n"u8;
    public static ReadOnlySpan<byte> NotAnInteger => RespLiterals.NotAnIntegerError;
    public static ReadOnlySpan<byte> MaxClients => "-ERR max number of clients reached\r\n"u8;

    /// <summary>"-ERR wrong number of arguments for 'get' command" (name lower-cased as in Redis's command table).</summary>
    public static void WrongArity(RespWriter writer, string command) =>
        writer.Error($"ERR wrong number of arguments for '{command.ToLowerInvariant()}' command");

    /// <summary>Redis 7's unknown-command reply, which quotes the first arguments.</summary>
    public static void UnknownCommand(RespWriter writer, RespCommand command)
    {
        var text = new StringBuilder("ERR unknown command '").Append(Clip(command.GetString(0), 128)).Append("', with args beginning with: ");
        var args = new StringBuilder();
        for (var i = 1; i < command.Count && args.Length < 128; i++)
            args.Append('\'').Append(Clip(command.GetString(i), 128 - args.Length)).Append("' ");
        writer.Error(text.Append(args).ToString());
    }

    /// <summary>"-ERR unknown subcommand 'x'. Try CLIENT HELP."</summary>
    public static void UnknownSubcommand(RespWriter writer, RespCommand command) =>
        writer.Error($"ERR unknown subcommand '{Clip(command.GetString(1), 128)}'. Try {command.GetString(0).ToUpperInvariant()} HELP.");

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];
}
