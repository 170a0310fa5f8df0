using System.Net;
using System.Net.Sockets;

namespace Smackdab.Inventory.Domain.Features.Outbound;

/// <summary>What an outbound feature allows beyond public https targets.</summary>
/// <param name="AllowPrivateTargets">
/// Lets calls reach private, loopback and link-local addresses, and plain http on a loopback host. A documented switch for
/// local testing only (for webhooks <c>Webhooks:AllowPrivateTargets</c>).
/// </param>
public sealed record OutboundPolicy(bool AllowPrivateTargets)
{
    public static readonly OutboundPolicy PublicOnly = new(false);
}

/// <summary>Resolves host names for outbound calls; replaceable so that tests can play DNS rebinding.</summary>
public interface IOutboundDns
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

public sealed class SystemOutboundDns : IOutboundDns
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>An outbound connection refused because the target resolved only to addresses the policy forbids.</summary>
public sealed class OutboundTargetRefusedException(string host, IReadOnlyList<IPAddress> addresses)
    : Exception($"Outbound call to '{host}' refused: it resolves to {(addresses.Count == 0 ? "no address" : string.Join(", ", addresses))}, none of them a public address")
{
    public string Host { get; } = host;
}

/// <summary>
/// The guard every outbound call (webhooks, connectors, URL imports) goes through. <see cref="CheckAsync"/> judges a URL when
/// it is registered; <see cref="CreateHandler"/> builds the HTTP handler that judges the address actually connected to, so a
/// host that resolved to a public address when registered and to a private one later (DNS rebinding) is still refused.
/// </summary>
public sealed class OutboundUrlGuard(IOutboundDns dns)
{
    public const int MaxUrlLength = 2000;

    /// <summary>Null when <paramref name="url"/> is an acceptable target; otherwise the reason, fit for a validation message.</summary>
    /// <remarks>A host that does not resolve now is accepted: it is judged again on every connection.</remarks>
    public async Task<string?> CheckAsync(string? url, OutboundPolicy policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (CheckShape(url, policy, out var uri) is { } problem)
        {
            return problem;
        }

        if (policy.AllowPrivateTargets || IPAddress.TryParse(uri!.IdnHost, out _))
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await dns.ResolveAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            return null;
        }

        return addresses.All(OutboundAddressRules.IsPublic)
            ? null
            : "The host resolves to a private, loopback, link-local or reserved address";
    }

    /// <summary>The checks that need no DNS: absolute https URL, no credentials or fragment, no private literal address.</summary>
    public static string? CheckShape(string? url, OutboundPolicy policy, out Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(policy);
        uri = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Is required";
        }

        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Host.Length == 0)
        {
            uri = null;
            return $"Must be an absolute https URL of at most {MaxUrlLength} characters";
        }

        var loopbackHost = IsLoopbackHost(uri);
        var httpAllowed = policy.AllowPrivateTargets && loopbackHost;
        if (uri.Scheme != Uri.UriSchemeHttps && !(httpAllowed && uri.Scheme == Uri.UriSchemeHttp))
        {
            return "Must use https";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "Must not contain credentials";
        }

        if (uri.Fragment.Length > 0 || url.Contains('#', StringComparison.Ordinal))
        {
            return "Must not contain a fragment";
        }

        if (policy.AllowPrivateTargets)
        {
            return null;
        }

        if (loopbackHost || (IPAddress.TryParse(uri.IdnHost, out var literal) && !OutboundAddressRules.IsPublic(literal)))
        {
            return "Must not point at a private, loopback, link-local or reserved address";
        }

        return null;
    }

    /// <summary>
    /// A handler for one outbound feature: no proxy, no redirects, and a connect step that resolves the host itself and
    /// connects only to addresses the policy allows.
    /// </summary>
    public SocketsHttpHandler CreateHandler(OutboundPolicy policy, TimeSpan connectTimeout)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new SocketsHttpHandler
        {
            // A proxy would make the connection on our behalf, out of reach of the address check.
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            // Bounded, so that a changed DNS answer is looked up (and judged) again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, policy, ct),
        };
    }

    private async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, OutboundPolicy policy, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal) ? [literal] : await dns.ResolveAsync(endPoint.Host, ct);
        var allowed = addresses.Where(a => policy.AllowPrivateTargets || OutboundAddressRules.IsPublic(a)).ToList();
        if (allowed.Count == 0)
        {
            throw new OutboundTargetRefusedException(endPoint.Host, addresses);
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, endPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    private static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback
        || uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(uri.IdnHost, out var address) && OutboundAddressRules.IsLoopback(address));
}
