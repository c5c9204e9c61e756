using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;

namespace AkkaRouter.Palette;

/// <summary>
/// Turns events an actor receives into the lines of a streaming palette command (`cluster tail`,
/// `ring tail`): the listener writes into a bounded channel, the session reads it until the client
/// goes away, and the listener is always stopped.
/// </summary>
internal static class ActorFedStream
{
    // A client that reads slower than events arrive loses the oldest lines, never the node's memory.
    private const int Buffered = 1000;

    public static async IAsyncEnumerable<string> Run(ActorSystem system, Func<ChannelWriter<string>, Props> listener,
        IEnumerable<string> first, [EnumeratorCancellation] CancellationToken cancel)
    {
        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Buffered) { FullMode = BoundedChannelFullMode.DropOldest });
        var actor = system.ActorOf(listener(lines.Writer));
        try
        {
            foreach (var line in first)
                yield return line;
            await foreach (var line in lines.Reader.ReadAllAsync(cancel))
                yield return line;
        }
        finally
        {
            system.Stop(actor);
        }
    }
}
