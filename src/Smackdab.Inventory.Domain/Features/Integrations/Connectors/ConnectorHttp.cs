namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// The one HTTP stack of every connector: pooled connections, no redirects (a redirect could lead anywhere), every
/// connection through the outbound URL guard, no HttpClient timeout (each call's Polly timeout governs).
/// </summary>
public sealed class ConnectorHttp : IDisposable
{
    public ConnectorHttp(IOutboundUrlGuard guard)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = guard.ConnectAsync,
            UseCookies = false,
        };
        Client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
