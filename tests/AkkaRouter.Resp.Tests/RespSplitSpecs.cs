using AkkaRouter.Resp;
using static AkkaRouter.Resp.Tests.Wire;

namespace AkkaRouter.Resp.Tests;

/// <summary>A frame may be split at any byte: every prefix parses to the whole frames it holds, never an error.</summary>
public sealed class RespSplitSpecs
{
    /// <summary>Valid frames and the command each yields (null: skipped like Redis skips it).</summary>
    internal static readonly (string Frame, string[]? Command)[] Frames =
    [
        ("*2\r\n$3\r\nGET\r\n$5\r\nmykey\r\n", ["GET", "mykey"]),
        ("*3\r\n$3\r\nSET\r\n$6\r\n\0\r\n\r\xff\n\r\n$0\r\n\r\n", ["SET", "\0\r\n\r\xff\n", ""]),
        ("*1\r\n$4\r\nPING\r\n", ["PING"]),
        ("*0\r\n", null),
        ("*-1\r\n", null),
        ("GET key\r\n", ["GET", "key"]),
        ("PING\n", ["PING"]),
        ("\r\n", null),
        ("  \t \n", null),
        ("SET \"a b\\x41\\n\" 'c\\'d' x\"y z\"\r\n", ["SET", "a bA\n", "c'd", "xy z"]),
        ("*2\r\n$4\r\nECHO\r\n$12\r\n*1\r\n$4\r\nPING\r\n", ["ECHO", "*1\r\n$4\r\nPING"]),
        ("ECHO \"\\r\\n\"\r\n", ["ECHO", "\r\n"]),
    ];

    public static TheoryData<string> StreamNames() =>
        ["multibulk", "binary", "inline", "quoted-inline", "skipped", "mixed-pipeline", "everything-twice"];

    [Theory(DisplayName = "Every prefix of a valid stream yields exactly its whole frames, and the rest completes it")]
    [MemberData(nameof(StreamNames))]
    public void EveryPrefix(string name)
    {
        var frames = Stream(name);
        var bytes = Bytes(string.Concat(frames.Select(f => f.Frame)));
        var ends = new int[frames.Length];
        for (int i = 0, end = 0; i < frames.Length; i++)
        {
            ends[i] = end += frames[i].Frame.Length;
        }

        var expected = frames.Where(f => f.Command is not null).Select(f => f.Command!).ToList();
        var parser = new RespParser();
        for (var k = 0; k <= bytes.Length; k++)
        {
            var prefix = ParseAll(parser, bytes.AsMemory(0, k));
            Assert.Equal(RespParseStatus.Incomplete, prefix.Status);

            var whole = Enumerable.Range(0, frames.Length).Where(i => ends[i] <= k).ToArray();
            Assert.Equal(whole.Select(i => frames[i].Command).OfType<string[]>(), prefix.Commands);
            Assert.Equal(whole.Length == 0 ? 0 : ends[whole[^1]], prefix.Consumed);

            var rest = ParseAll(parser, bytes.AsMemory(prefix.Consumed));
            Assert.Equal(RespParseStatus.Incomplete, rest.Status);
            Assert.Equal(expected, prefix.Commands.Concat(rest.Commands));
            Assert.Equal(bytes.Length, prefix.Consumed + rest.Consumed);
        }
    }

    [Fact(DisplayName = "Random chunkings of a long mixed pipeline parse to the same commands as one read")]
    public void RandomChunkings()
    {
        var random = new Random(42);
        var frames = Enumerable.Range(0, 300).Select(_ => Frames[random.Next(Frames.Length)]).ToArray();
        var bytes = Bytes(string.Concat(frames.Select(f => f.Frame)));
        var expected = frames.Where(f => f.Command is not null).Select(f => f.Command!).ToList();
        var parser = new RespParser();

        for (var round = 0; round < 50; round++)
        {
            var pending = new List<byte>();
            var commands = new List<string[]>();
            for (var offset = 0; offset < bytes.Length;)
            {
                var chunk = Math.Min(bytes.Length - offset, random.Next(1, 40));
                pending.AddRange(bytes.AsSpan(offset, chunk));
                offset += chunk;
                var result = ParseAll(parser, pending.ToArray());
                Assert.Equal(RespParseStatus.Incomplete, result.Status);
                commands.AddRange(result.Commands);
                pending.RemoveRange(0, result.Consumed);
            }

            Assert.Empty(pending);
            Assert.Equal(expected, commands);
        }
    }

    private static (string Frame, string[]? Command)[] Stream(string name) => name switch
    {
        "multibulk" => [Frames[0], Frames[2], Frames[0]],
        "binary" => [Frames[1], Frames[10]],
        "inline" => [Frames[5], Frames[6], Frames[5]],
        "quoted-inline" => [Frames[9], Frames[11]],
        "skipped" => [Frames[3], Frames[7], Frames[4], Frames[8], Frames[2], Frames[3]],
        "mixed-pipeline" => [Frames[0], Frames[5], Frames[3], Frames[9], Frames[1], Frames[6], Frames[7], Frames[2]],
        "everything-twice" => [.. Frames, .. Frames],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
