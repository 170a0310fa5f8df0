using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Api.Webhooks;

public static class WebhookSetup
{
    public static IServiceCollection AddInventoryWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => WebhookSecretProtector.ValidateKey(o.SecretEncryptionKey) is null, "Webhooks:SecretEncryptionKey must be the base64 of exactly 32 bytes")
            .Validate(o => o.RetryMaxDelaySeconds >= o.RetryBaseDelaySeconds, "Webhooks:RetryMaxDelaySeconds must be at least Webhooks:RetryBaseDelaySeconds")
            .Validate(o => o.DefaultMaxAttempts <= o.MaxAttemptsLimit, "Webhooks:DefaultMaxAttempts must not exceed Webhooks:MaxAttemptsLimit")
            .Validate(o => o.LeaseSeconds > o.AttemptTimeoutSeconds + o.ConnectTimeoutSeconds, "Webhooks:LeaseSeconds must exceed the attempt and connect timeouts")
            .ValidateOnStart();
        services.AddOutboundHttpClient(WebhookSender.ClientName, sp => TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.ConnectTimeoutSeconds))
            // The pipeline's timeout bounds each attempt; the client's own timeout only backs it up.
            .ConfigureHttpClient((sp, client) => client.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AttemptTimeoutSeconds + 5));
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDeliveryWorker>();
        return services;
    }
}
