using System.Net.Sockets;
using Akka.Actor;

namespace AkkaRouter.Hosting;

/// <summary>Accepts connections on a bound listener and hands each socket to an actor as a message.</summary>
public static class SocketAcceptor
{
    /// <summary>A connection accepted by <see cref="Run"/>; the receiving actor owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    /// <summary>The listener stopped accepting (closed at shutdown, or failed).</summary>
    public sealed record Stopped(Exception Error);

    /// <summary>Runs until the listener is closed; accepting never waits on the actor.</summary>
    public static async Task Run(Socket listener, IActorRef owner)
    {
        try
        {
            while (true)
                owner.Tell(new Accepted(await listener.AcceptAsync()));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            owner.Tell(new Stopped(e));
        }
    }
}
