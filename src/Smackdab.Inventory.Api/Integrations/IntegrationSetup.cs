using Smackdab.Inventory.Domain.Features.Integrations;

namespace Smackdab.Inventory.Api.Integrations;

/// <summary>Registration of the integrations registry, the connectors and their background work.</summary>
public static class IntegrationSetup
{
    public static IServiceCollection AddInventoryIntegrations(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var keyOptional = environment.IsDevelopment() || environment.IsEnvironment("Testing");
        services.AddOptions<IntegrationOptions>().Bind(configuration.GetSection(IntegrationOptions.Section))
            .Validate(
                o => CredentialProtector.IsValidKey(o.CredentialKey) || (keyOptional && string.IsNullOrWhiteSpace(o.CredentialKey)),
                "Integrations:CredentialKey must be the base64 of 32 random bytes (required outside Development and Testing)")
            .Validate(o => o.MaxCachedResponseBytes > 0 && o.MaxResponseBytes > 0, "Integrations response limits must be positive")
            .Validate(o => o.ConnectTimeoutSeconds is > 0 and <= 120, "Integrations:ConnectTimeoutSeconds must be between 1 and 120")
            .Validate(
                o => o.SyncPollIntervalMilliseconds > 0 && o.SyncBatchSize is > 0 and <= 10_000 && o.SyncLeaseSeconds > 0 && o.SyncRetrySeconds > 0,
                "Integrations sync settings out of range")
            .Validate(
                o => o.PushPollIntervalMilliseconds > 0 && o.PushBatchSize is > 0 and <= 1000 && o.PushLeaseSeconds > 0
                    && o.PushRetrySeconds > 0 && o.PushMaxRetrySeconds >= o.PushRetrySeconds,
                "Integrations push settings out of range")
            .Validate(o => o.SagaLeaseSeconds > 0 && o.SagaRecoveryIntervalMilliseconds > 0, "Integrations saga settings out of range")
            .ValidateOnStart();
        services.AddIntegrationConnectors();
        services.AddHostedService<SyncWorker>();
        services.AddHostedService<PushWorker>();
        services.AddHostedService<SagaRecoveryWorker>();
        return services;
    }
}
