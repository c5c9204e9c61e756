using System.Buffers;
using AkkaRouter.Resp;

namespace AkkaRouter.Resp.Tests;

/// <summary>The per-command path allocates nothing once buffers have grown to their working size.</summary>
public sealed class RespAllocationSpecs
{
    [Fact(DisplayName = "Parsing pipelined GETs (multibulk and quoted inline) and writing replies allocates zero bytes after warm-up")]
    public void HotPathAllocatesNothing()
    {
        var key = new string('k', 32);
        var request = Wire.Bytes(
            string.Concat(Enumerable.Repeat($"*2\r\n$3\r\nGET\r\n$32\r\n{key}\r\n", 16)) + "get \"k\\x41 y\"\r\n");
        var parser = new RespParser();
        var command = new RespCommand();
        var output = new ArrayBufferWriter<byte>(4096);
        var writer = new RespWriter(output);
        ReadOnlyMemory<byte> buffer = request;

        RunConnectionLoop(buffer, parser, command, writer, output, 1000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var replies = RunConnectionLoop(buffer, parser, command, writer, output, 10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(17 * 10_000, replies);
        Assert.Equal(0, allocated);
    }

    private static int RunConnectionLoop(
        ReadOnlyMemory<byte> buffer, RespParser parser, RespCommand command, RespWriter writer,
        ArrayBufferWriter<byte> output, int rounds)
    {
        var replies = 0;
        for (var round = 0; round < rounds; round++)
        {
            output.ResetWrittenCount();
            var offset = 0;
            while (parser.TryParse(buffer[offset..], command, out var consumed) == RespParseStatus.Complete)
            {
                offset += consumed;
                if (command.NameEquals("GET"u8) && command.Is(0, "GET"u8))
                {
                    writer.BulkString(command[1]);
                }
                else
                {
                    writer.Integer(command.Count);
                }

                replies++;
            }
        }

        return replies;
    }
}
