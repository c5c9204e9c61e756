using System.Net.Sockets;
using Akka.Actor;

namespace AkkaRouter.Hosting;

/// <summary>Accepts connections on a bound listener and hands each socket to an actor as a message.</summary>
public static class SocketAcceptor
{
    // Out of file descriptors (EMFILE/ENFILE) or a connection reset before accept: accepting must go
    // on once the condition passes, so the loop backs off instead of giving up on the listener.
    private static readonly TimeSpan TransientBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>A connection accepted by <see cref="Run"/>; the receiving actor owns the socket.</summary>
    public sealed record Accepted(Socket Socket);

    /// <summary><paramref name="Listener"/> stopped accepting: it was closed (shutdown, rebind) or failed for good.</summary>
    public sealed record Stopped(Socket Listener, Exception Error);

    /// <summary>A transient accept failure; the loop goes on after a short back-off.</summary>
    public sealed record AcceptFailed(Exception Error);

    /// <summary>Runs until the listener is closed; accepting never waits on the actor.</summary>
    public static async Task Run(Socket listener, IActorRef owner)
    {
        while (true)
        {
            try
            {
                owner.Tell(new Accepted(await listener.AcceptAsync()));
            }
            // InvalidArgument (EINVAL) is a socket that is no longer listening (shut down under the node): retrying
            // could never succeed, so the owner hears that this listener is gone and binds a new one.
            catch (Exception e) when (e is ObjectDisposedException
                                      or SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted or SocketError.NotSocket or SocketError.InvalidArgument })
            {
                owner.Tell(new Stopped(listener, e));
                return;
            }
            catch (SocketException e)
            {
                owner.Tell(new AcceptFailed(e));
                await Task.Delay(TransientBackoff);
            }
        }
    }
}
