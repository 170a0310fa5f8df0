namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// The one HTTP stack of every connector: the named client <see cref="ClientName"/> from the HTTP client factory, whose
/// handler is the outbound guard's (pooled connections, no redirects, every connection checked against the SSRF rules) and
/// which has no client timeout (each call's Polly timeout governs). See <see cref="IntegrationServices"/>.
/// </summary>
public sealed class ConnectorHttp(IHttpClientFactory factory)
{
    public const string ClientName = "Smackdab.Connectors";

    public HttpClient Client => factory.CreateClient(ClientName);
}
