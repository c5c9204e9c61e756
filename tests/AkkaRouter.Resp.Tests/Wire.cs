using System.Text;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Tests;

/// <summary>Test helpers: byte-exact strings (Latin-1, so "\xff" is one byte) and a parse-everything loop.</summary>
internal static class Wire
{
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>The multibulk encoding of <paramref name="args"/>, as every Redis client sends commands.</summary>
    public static string Multibulk(params string[] args) =>
        $"*{args.Length}\r\n" + string.Concat(args.Select(a => $"${a.Length}\r\n{a}\r\n"));

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static string[] Args(RespCommand command)
    {
        var args = new string[command.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Text(command[i]);
        }

        return args;
    }

    /// <summary>Parses commands until the buffer is exhausted or broken, like a connection's receive loop.</summary>
    public static ParseResult ParseAll(RespParser parser, ReadOnlyMemory<byte> buffer)
    {
        var command = new RespCommand();
        var commands = new List<string[]>();
        var consumed = 0;
        while (true)
        {
            var status = parser.TryParse(buffer[consumed..], command, out var used);
            Assert.InRange(used, 0, buffer.Length - consumed);
            consumed += used;
            switch (status)
            {
                case RespParseStatus.Complete:
                    Assert.True(used > 0, "a complete command consumes bytes");
                    Assert.True(command.Count > 0, "a complete command has a name");
                    commands.Add(Args(command));
                    break;
                case RespParseStatus.Incomplete:
                    return new ParseResult(commands, status, consumed, null);
                case RespParseStatus.Error:
                    Assert.NotNull(command.Error);
                    Assert.Equal(0, command.Count);
                    return new ParseResult(commands, status, consumed, command.Error);
                default:
                    throw new InvalidOperationException($"Unknown status {status}");
            }
        }
    }

    public static ParseResult ParseAll(string stream, RespLimits? limits = null) =>
        ParseAll(new RespParser(limits ?? RespLimits.Default), Bytes(stream));

    /// <summary>The error a stream fails with, asserting that it does fail.</summary>
    public static string ErrorOf(string stream, RespLimits? limits = null)
    {
        var result = ParseAll(stream, limits);
        Assert.Equal(RespParseStatus.Error, result.Status);
        Assert.True(result.Error!.CloseConnection);
        Assert.Equal("-" + result.Error.Message + "\r\n", Text(result.Error.Reply));
        return result.Error.Message;
    }
}

internal sealed record ParseResult(List<string[]> Commands, RespParseStatus Status, int Consumed, RespProtocolError? Error);
