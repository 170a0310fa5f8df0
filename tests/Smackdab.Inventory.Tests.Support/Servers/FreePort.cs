using System.Net;
using System.Net.Sockets;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>Finds a TCP port on 127.0.0.1 that is free right now (the caller binds it soon after).</summary>
internal static class FreePort
{
    // The kernel may hand the same just-released port to two servers started at the same moment in this process;
    // the second would then find the first one answering its readiness probe (a shared Redis and a dedicated one
    // turned out to be one server, and killing "the dedicated one" broke the shared one). Never hand a port out twice.
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock HandedOutLock = new();

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (HandedOutLock)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
