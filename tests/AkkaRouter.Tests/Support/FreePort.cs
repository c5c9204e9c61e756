using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Tests.Support;

/// <summary>A port on 127.0.0.1 that nothing listens on right now, for configs that must name a port up front.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
