using System.Net;
using System.Net.Sockets;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>
/// Free TCP ports on 127.0.0.1, picked up front and never handed out twice in one test run. Another socket may
/// still take one before the process it is meant for binds it: use it only for processes that cannot report a
/// port they picked, and whose start detects the bind failure and retries with a new port (FleetService,
/// NginxBalancer). Nodes and in-process services bind port 0 and report theirs.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> Given = new();

    public static int Next()
    {
        lock (Given)
        {
            while (true)
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
                if (Given.Add(port))
                    return port;
            }
        }
    }
}
