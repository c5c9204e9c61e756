using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Tests.Support;

/// <summary>
/// A port on 127.0.0.1 that nothing listens on right now. Another socket may take it before the process it is
/// meant for binds it, so use it only where that process's start detects the bind failure and retries with a new
/// port (as <see cref="Dnsmasq"/> does). Prefer port 0 and reading the port the process reports, or a
/// <see cref="ReservedPort"/> for an endpoint that must stay dead.
/// </summary>
public static class FreePort
{
    public static int Next()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
