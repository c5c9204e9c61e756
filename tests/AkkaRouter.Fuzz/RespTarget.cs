using System.Text;
using AkkaRouter.Resp;

namespace AkkaRouter.Fuzz;

/// <summary>
/// The RESP parser fed like a connection feeds it: whole, then in chunks whose sizes the input picks. Both feedings must
/// give the same commands and end the same way, nothing may throw, and the buffer must stay within the limits.
/// </summary>
internal static class RespTarget
{
    // Small limits put every limit within reach of short inputs.
    private static readonly RespLimits Small = new()
    {
        MaxArguments = 8,
        MaxBulkLength = 32,
        MaxInlineLength = 24,
        MaxMultibulkLength = 128,
    };

    private static readonly RespParser[] Parsers = [new(RespLimits.Default), new(Small)];

    public static void Run(byte[] data)
    {
        foreach (var parser in Parsers)
        {
            var whole = Feed(parser, data, _ => data.Length);
            var chunked = Feed(parser, data, i => 1 + (data[(i * 31) % data.Length] % 13));
            InvariantViolated.Unless(
                whole == chunked,
                $"whole and chunked feeding disagree (limits {parser.Limits}):\nwhole:   {whole}\nchunked: {chunked}");
        }
    }

    /// <summary>What a connection would have seen: every command, then how the stream ended and what stayed buffered.</summary>
    public static string Feed(RespParser parser, byte[] data, Func<int, int> chunkSize)
    {
        var limits = parser.Limits;
        var seen = new StringBuilder();
        var command = new RespCommand();
        // data[..start] is consumed, data[start..filled] is what the connection holds.
        var start = 0;
        var filled = 0;
        for (var read = 0; filled < data.Length; read++)
        {
            filled += Math.Min(data.Length - filled, chunkSize(read));
            while (true)
            {
                var status = parser.TryParse(data.AsMemory(start, filled - start), command, out var consumed);
                InvariantViolated.Unless(consumed >= 0 && consumed <= filled - start, $"consumed {consumed} of {filled - start} bytes");
                start += consumed;
                if (status == RespParseStatus.Error)
                {
                    var error = command.Error;
                    InvariantViolated.Unless(error is not null, "Error status without an error");
                    InvariantViolated.Unless(command.Count == 0, "a failed command keeps arguments");
                    InvariantViolated.Unless(error!.Message.StartsWith("ERR Protocol error: ", StringComparison.Ordinal), $"error text '{error.Message}'");
                    var reply = error.Reply;
                    InvariantViolated.Unless(
                        reply[0] == (byte)'-' && reply[^2..].SequenceEqual("\r\n"u8) && reply[1..^2].IndexOfAny((byte)'\r', (byte)'\n') < 0,
                        "error reply is not one '-' line");
                    return seen.Append("error ").Append(error.Message).ToString();
                }

                if (status == RespParseStatus.Incomplete)
                {
                    InvariantViolated.Unless(command.Count == 0 && command.Error is null, "Incomplete leaves a command behind");
                    break;
                }

                InvariantViolated.Unless(status == RespParseStatus.Complete, $"unknown status {status}");
                InvariantViolated.Unless(consumed > 0, "a complete command consumed nothing");
                InvariantViolated.Unless(command.Count >= 1 && command.Count <= limits.MaxArguments, $"{command.Count} arguments");
                for (var i = 0; i < command.Count; i++)
                {
                    var arg = command[i];
                    InvariantViolated.Unless(arg.Length <= Math.Max(limits.MaxBulkLength, limits.MaxInlineLength), $"argument of {arg.Length} bytes");
                    seen.Append(i == 0 ? "" : " ").Append(Convert.ToHexString(arg));
                }

                seen.Append('\n');
            }

            // The connection keeps the unconsumed tail; it must never outgrow the bound.
            InvariantViolated.Unless(filled - start <= limits.MaxBufferedBytes, $"{filled - start} bytes buffered");
        }

        return seen.Append("incomplete, ").Append(filled - start).Append(" bytes pending").ToString();
    }
}
