using System.Net.Http;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>
/// The SSRF rules for every outbound call: https only, never a private, loopback or link-local address, checked when a URL
/// is registered and again on every connection (so that DNS cannot be rebound to an internal address later).
/// </summary>
public interface IOutboundUrlGuard
{
    /// <summary>Null when <paramref name="url"/> may be registered as an outbound target; otherwise why not.</summary>
    string? Check(string? url);

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host and refuses forbidden addresses.</summary>
    ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken);
}
