using System.Net;
using System.Net.Sockets;

namespace Pulse.Testing;

/// <summary>Loopback TCP ports that were free a moment ago, for programs that need a fixed port.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
