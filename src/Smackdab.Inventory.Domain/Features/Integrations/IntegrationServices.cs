using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;

namespace Smackdab.Inventory.Domain.Features.Integrations;

public static class IntegrationServices
{
    /// <summary>The registry, the connectors and their shared state. Options and TimeProvider are registered by the host.</summary>
    public static IServiceCollection AddIntegrationConnectors(this IServiceCollection services)
    {
        services.AddSingleton<CredentialProtector>();
        services.AddOutboundHttpClient(ConnectorHttp.ClientName, sp => TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<IntegrationOptions>>().Value.ConnectTimeoutSeconds))
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<ConnectorHttp>();
        services.AddSingleton<CircuitBreakerStore>();
        services.AddSingleton<ConnectorCallLog>();
        services.AddSingleton<TokenRefresher>();
        services.AddSingleton<ConnectorClient>();
        services.AddScoped<IntegrationService>();
        services.AddScoped<IntegrationOperationsService>();
        services.AddScoped<Sync.SyncJobService>();
        services.AddSingleton<Sync.SyncRunner>();
        services.AddSingleton<Sagas.SagaRunner>();
        services.TryAddScoped<Events.EventReader>();
        services.AddScoped<Push.PushService>();
        services.AddSingleton<Push.PushRunner>();
        services.AddScoped<Sagas.FulfillmentService>();
        return services;
    }
}
