using System.Net;
using System.Net.Sockets;

namespace Smackdab.Inventory.Domain.Features.Outbound;

/// <summary>
/// Which IP addresses an outbound call (webhook, connector, URL import) may reach: public unicast only. Loopback, private,
/// link-local, CGNAT, documentation, benchmarking, multicast, reserved, IPv6 unique-local/link-local/site-local and every
/// IPv6 form that embeds an IPv4 address (mapped, compatible, NAT64, 6to4) judged by the embedded address.
/// </summary>
public static class OutboundAddressRules
{
    private static readonly IPNetwork[] RefusedV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this" network
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local (cloud metadata lives here)
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // documentation
        IPNetwork.Parse("192.88.99.0/24"),   // 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // documentation
        IPNetwork.Parse("203.0.113.0/24"),   // documentation
        IPNetwork.Parse("224.0.0.0/4"),      // multicast
        IPNetwork.Parse("240.0.0.0/4"),      // reserved and broadcast
    ];

    private static readonly IPNetwork[] RefusedV6 =
    [
        IPNetwork.Parse("::/96"),            // unspecified, loopback and IPv4-compatible (deprecated)
        IPNetwork.Parse("100::/64"),         // discard
        IPNetwork.Parse("2001::/23"),        // IETF protocol assignments, Teredo included
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("fec0::/10"),        // site-local (deprecated)
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>True when <paramref name="address"/> is a public unicast address that an outbound call may connect to.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !RefusedV4.Any(n => n.Contains(address));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address))
        {
            return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
        }

        if (SixToFour.Contains(address))
        {
            return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
        }

        return !RefusedV6.Any(n => n.Contains(address));
    }

    /// <summary>True for 127.0.0.0/8, ::1 and their IPv4-mapped forms.</summary>
    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
