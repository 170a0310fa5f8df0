using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>
/// Stand-in for the webhooks' outbound URL guard until it is on main; the connectors depend only on
/// <see cref="IOutboundUrlGuard"/>, so replacing this is one registration.
/// </summary>
public sealed class InterimOutboundUrlGuard(IOptions<OutboundTargetOptions> options) : IOutboundUrlGuard
{
    private bool AllowPrivate => options.Value.AllowPrivateTargets;

    public string? Check(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "Must be an absolute URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(AllowPrivate && uri.Scheme == Uri.UriSchemeHttp))
        {
            return "Must use https";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "Must not contain credentials";
        }

        if (AllowPrivate)
        {
            return null;
        }

        if (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "Must not point at a loopback or private address";
        }

        return IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var address) && IsForbidden(address)
            ? "Must not point at a loopback or private address"
            : null;
    }

    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = AllowPrivate ? addresses : addresses.Where(a => !IsForbidden(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"Outbound call to {endpoint.Host} refused: it resolves only to private or loopback addresses");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Connect to the addresses that were checked, never to a name that could resolve differently a second time.
            await socket.ConnectAsync(allowed, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (bytes[0] & 0xFE) == 0xFC;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10
            || b[0] == 0
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)
            || b[0] >= 224;
    }
}
