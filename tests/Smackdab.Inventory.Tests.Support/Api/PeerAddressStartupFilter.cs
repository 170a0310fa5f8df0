using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// Gives in-memory test requests a peer address, as Kestrel would: <see cref="DefaultPeer"/>, or the address in the
/// X-Test-Peer header. Lets tests play clients behind a proxy (X-Forwarded-For) and clients at different addresses.
/// </summary>
public sealed class PeerAddressStartupFilter(IPAddress defaultPeer) : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public IPAddress DefaultPeer { get; } = defaultPeer;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(Header, out var peer)
                ? IPAddress.Parse(peer.ToString())
                : DefaultPeer;
            return nextMiddleware(context);
        });
        next(app);
    };
}
