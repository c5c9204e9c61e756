using System.Net.Sockets;
using System.Text;
using AkkaRouter.Tests.Support;

namespace AkkaRouter.Tests.Resp;

/// <summary>A router node with the default RESP limits beside a real redis-server on a unix socket.</summary>
public sealed class RedisParityFixture : IAsyncLifetime
{
    public RespNode Router { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.Start();
        Router = await RespNode.Start();
    }

    public async Task DisposeAsync()
    {
        await Router.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// The cases of Redis's own tests/unit/protocol.tcl (and a few its parser shares), sent byte for byte over raw sockets
/// to a real redis-server and to the router: the reply bytes and whether the connection closes must be the same,
/// except where the router's contract differs on purpose (each such case asserts both answers, as the README's
/// table lists them).
/// </summary>
public class RedisParitySpecs(RedisParityFixture fixture) : IClassFixture<RedisParityFixture>
{
    // Appended to a case that should leave the connection open: its reply proves the connection still serves, and
    // reading up to it ends the exchange without waiting for silence.
    private const string Sync = "ECHO parity-sync\r\n";
    private static readonly byte[] SyncReply = "$11\r\nparity-sync\r\n"u8.ToArray();
    private static readonly TimeSpan ExchangeDeadline = TimeSpan.FromSeconds(10);

    // Redis's PROTO_INLINE_MAX_SIZE, the router's default max inline length.
    private const int InlineMax = 64 * 1024;

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    // protocol.tcl's desync tests write a prefix then "payload" over and over; just past the inline limit is enough.
    private static byte[] Desync(string prefix) => Latin1(prefix + string.Concat(Enumerable.Repeat("payload", (InlineMax / 7) + 1)));

    /// <summary>What one connection received: the reply bytes, and whether the peer closed it.</summary>
    public sealed record Exchange(string Reply, bool Closed)
    {
        public override string ToString() => $"{(Closed ? "closed" : "open")} after \"{Reply.Replace("\r\n", "\\r\\n")}\"";
    }

    private static readonly Dictionary<string, byte[]> SameAsRedis = new()
    {
        ["empty query (\\r\\n) is ignored"] = Latin1("\r\n" + Sync),
        ["negative multibulk length (*-10) is ignored"] = Latin1("*-10\r\n" + Sync),
        ["zero multibulk length (*0) is ignored"] = Latin1("*0\r\n" + Sync),
        ["out of range multibulk length (*3000000000): invalid multibulk length"] = Latin1("*3000000000\r\n" + Sync),
        ["wrong multibulk payload header: expected '$', got 'f'"] = Latin1("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n" + Sync),
        ["multibulk not followed by bulk arguments: expected '$'"] = Latin1("*1\r\nfoo\r\n" + Sync),
        ["negative bulk length: invalid bulk length"] = Latin1("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n" + Sync),
        ["out of range bulk length ($2000000000): invalid bulk length"] = Latin1("*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n" + Sync),
        ["non-number multibulk length: invalid multibulk length"] = Latin1("*blabla\r\n" + Sync),
        ["non-number bulk length: invalid bulk length"] = Latin1("*1\r\n$blabla\r\n" + Sync),
        ["a signed count (*+1): invalid multibulk length"] = Latin1("*+1\r\n" + Sync),
        ["unbalanced quotes in an inline request"] = Latin1("set \"\"\"test-key\"\"\" test-value\r\n" + Sync),
        ["a closing quote glued to the next word is unbalanced"] = Latin1("ECHO \"a\"b\r\n" + Sync),
        ["generic wrong number of arguments stays open"] = Latin1("ping x y z\r\n" + Sync),
        ["unknown inline command stays open"] = Latin1("FOO bar baz\r\n" + Sync),
        ["inline quoting and escapes split like sdssplitargs"] = Latin1("ECHO \"\\x41b\"\r\nECHO 'a\\'b'\r\nECHO a\"b c\"\r\n   \r\n" + Sync),
        ["bare LF ends an inline line"] = Latin1("PING\nECHO x\n" + Sync),
        ["desync: huge bulk length then garbage: invalid bulk length, then close"] = Latin1("*1\r\n$1000000000\r\naaaaaaaaaaPING\r\n" + Sync),
        ["desync #1 (\\x00 then payload...): too big inline request"] = Desync("\0"),
        ["desync #2 (*\\x00 then payload...): too big mbulk count string"] = Desync("*\0"),
        ["desync #3 ($\\x00 then payload...): too big inline request"] = Desync("$\0"),
        ["too big inline request (64 KiB + 1 without newline)"] = Latin1(new string('a', InlineMax + 1)),
        ["a raw NUL hides an inline newline until the line is too big"] = Latin1("ECHO a\0b\r\n" + Sync + new string('x', InlineMax)),
        ["pipeline of multibulk and inline commands in one write"] =
            Latin1("*2\r\n$4\r\nECHO\r\n$1\r\na\r\nECHO b\r\n*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" + Sync),
        ["pipeline whose last command is malformed: earlier ones answered, then the error and the close"] =
            Latin1("PING\r\n*1\r\n$4\r\nECHO\r\nECHO x\r\n*x\r\n" + Sync),
    };

    public static TheoryData<string> SameAsRedisCases => new(SameAsRedis.Keys);

    [Theory(DisplayName = "Protocol case answered byte for byte as redis-server answers it (reply and close)")]
    [MemberData(nameof(SameAsRedisCases))]
    public async Task Same_as_redis(string name)
    {
        var request = SameAsRedis[name];
        var redis = await Send(await fixture.Redis.Connect(), request);
        var router = await Send((await fixture.Router.Connect()).Socket, request);

        Assert.Equal(redis, router);
        // Every case ends decided: closed by a protocol error, or open and still answering the sync command.
        Assert.True(redis.Closed || redis.Reply.EndsWith(Encoding.Latin1.GetString(SyncReply), StringComparison.Ordinal), $"{name}: redis {redis}");
    }

    [Fact(DisplayName = "Differs on purpose: *20000000 waits for 20 million arguments in Redis; the router's max-arguments (4096) refuses it at once")]
    public async Task Multibulk_count_over_max_arguments()
    {
        var request = Latin1("*20000000\r\n" + Sync);

        Assert.Equal(new Exchange("-ERR Protocol error: expected '$', got 'E'\r\n", true), await Send(await fixture.Redis.Connect(), request));
        Assert.Equal(new Exchange("-ERR Protocol error: invalid multibulk length\r\n", true), await Send((await fixture.Router.Connect()).Socket, request));
    }

    [Fact(DisplayName = "Differs on purpose: bytes other than CRLF after a bulk are skipped by Redis; the router refuses them as an invalid bulk length")]
    public async Task Bulk_terminator_is_checked()
    {
        var request = Latin1("*1\r\n$4\r\nPINGxx" + Sync);

        Assert.Equal(new Exchange("+PONG\r\n" + Encoding.Latin1.GetString(SyncReply), false), await Send(await fixture.Redis.Connect(), request));
        Assert.Equal(new Exchange("-ERR Protocol error: invalid bulk length\r\n", true), await Send((await fixture.Router.Connect()).Socket, request));
    }

    [Fact(DisplayName = "Differs on purpose: a byte other than LF after a header's CR is skipped by Redis; the router refuses it")]
    public async Task Header_terminator_is_checked()
    {
        var request = Latin1("*1\rX$4\r\nPING\r\n" + Sync);

        Assert.Equal(new Exchange("+PONG\r\n" + Encoding.Latin1.GetString(SyncReply), false), await Send(await fixture.Redis.Connect(), request));
        Assert.Equal(new Exchange("-ERR Protocol error: invalid multibulk length\r\n", true), await Send((await fixture.Router.Connect()).Socket, request));
    }

    /// <summary>Sends <paramref name="request"/> and reads until the peer closes or the sync reply arrives.</summary>
    private static async Task<Exchange> Send(Socket socket, byte[] request)
    {
        using var _ = socket;
        using var deadline = new CancellationTokenSource(ExchangeDeadline);
        try
        {
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
        }
        catch (SocketException)
        {
            // The server may close on a protocol error before it has read everything; its reply is still readable.
        }

        var reply = new List<byte>();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0)
                    return new Exchange(Encoding.Latin1.GetString(reply.ToArray()), true);
                reply.AddRange(buffer.AsSpan(0, read));
                if (reply.Count >= SyncReply.Length && reply.TakeLast(SyncReply.Length).SequenceEqual(SyncReply))
                    return new Exchange(Encoding.Latin1.GetString(reply.ToArray()), false);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return new Exchange(Encoding.Latin1.GetString(reply.ToArray()), true);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"neither a close nor the sync reply within {ExchangeDeadline.TotalSeconds:0} s; received \"{Encoding.Latin1.GetString(reply.ToArray())}\"");
        }
    }
}
