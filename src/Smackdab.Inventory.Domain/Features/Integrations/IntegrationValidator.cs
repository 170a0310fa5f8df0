using FluentValidation;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Outbound;

namespace Smackdab.Inventory.Domain.Features.Integrations;

public sealed class IntegrationWriteRequestValidator : AbstractValidator<IntegrationWriteRequest>
{
    private const string PathPattern = "^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$";

    public IntegrationWriteRequestValidator(OutboundUrlGuard guard, IOptions<OutboundOptions> outbound)
    {
        // The webhooks' guard and switch: one set of SSRF rules for every outbound call.
        async Task CheckUrlAsync(string? url, ValidationContext<IntegrationWriteRequest> context, CancellationToken ct)
        {
            if (!string.IsNullOrEmpty(url) && await guard.CheckAsync(url, outbound.Value.Policy, ct) is { } problem)
            {
                context.AddFailure(problem);
            }
        }

        RuleFor(r => r.Name).NotEmpty().WithMessage("Is required").MaximumLength(200);
        RuleFor(r => r.Type).NotEmpty().WithMessage("Is required")
            .Must(t => t is null || IntegrationTypes.All.Contains(t)).WithMessage($"Must be one of: {string.Join(", ", IntegrationTypes.All)}");
        RuleFor(r => r.Provider).MaximumLength(100);
        RuleFor(r => r.BaseUrl).NotEmpty().WithMessage("Is required").MaximumLength(OutboundUrlGuard.MaxUrlLength).CustomAsync(CheckUrlAsync);
        RuleFor(r => r.HealthPath).MaximumLength(500).Matches(PathPattern).WithMessage("Must be a path starting with /");
        RuleFor(r => r.EventsPath).MaximumLength(500).Matches(PathPattern).WithMessage("Must be a path starting with /");
        RuleFor(r => r.Status).Must(s => s is null || IntegrationStatuses.All.Contains(s)).WithMessage($"Must be one of: {string.Join(", ", IntegrationStatuses.All)}");
        RuleFor(r => r.TimeoutMs).InclusiveBetween(100, 120_000);
        RuleFor(r => r.Events).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 event types");
        RuleForEach(r => r.Events).Must(Webhooks.WebhookEventTypes.IsValidPattern)
            .WithMessage("Must be an event type such as inventory.shipment.confirmed or shipment.confirmed, a prefix.* pattern or *");

        When(r => r.Authentication is not null, () =>
        {
            RuleFor(r => r.Authentication!.Type).NotEmpty().WithMessage("Is required")
                .Must(t => t is null || IntegrationAuthTypes.All.Contains(t)).WithMessage($"Must be one of: {string.Join(", ", IntegrationAuthTypes.All)}");
            RuleFor(r => r.Authentication!.ApiKey).MaximumLength(4000);
            RuleFor(r => r.Authentication!.HeaderName).MaximumLength(100).Matches("^[A-Za-z0-9-]+$").WithMessage("Must be an HTTP header name");
            RuleFor(r => r.Authentication!.ClientId).MaximumLength(500);
            RuleFor(r => r.Authentication!.ClientSecret).MaximumLength(4000);
            RuleFor(r => r.Authentication!.RefreshToken).MaximumLength(8000);
            RuleFor(r => r.Authentication!.Scope).MaximumLength(1000);
            When(r => r.Authentication!.Type == IntegrationAuthTypes.ApiKey, () =>
                RuleFor(r => r.Authentication!.ApiKey).NotEmpty().WithMessage("Is required for api_key authentication"));
            When(r => r.Authentication!.Type == IntegrationAuthTypes.OAuth2, () =>
            {
                RuleFor(r => r.Authentication!.TokenUrl).NotEmpty().WithMessage("Is required for oauth2 authentication")
                    .MaximumLength(OutboundUrlGuard.MaxUrlLength).CustomAsync(CheckUrlAsync);
                RuleFor(r => r.Authentication!.ClientId).NotEmpty().WithMessage("Is required for oauth2 authentication");
                RuleFor(r => r.Authentication!).Must(a => !string.IsNullOrEmpty(a.RefreshToken) || !string.IsNullOrEmpty(a.ClientSecret))
                    .WithName("authentication.refresh_token").WithMessage("A refresh_token or a client_secret is required for oauth2 authentication");
            });
        });

        When(r => r.RetryPolicy is not null, () =>
        {
            RuleFor(r => r.RetryPolicy!.Strategy).Must(s => s is null || RetryStrategies.All.Contains(s))
                .WithMessage($"Must be one of: {string.Join(", ", RetryStrategies.All)}");
            RuleFor(r => r.RetryPolicy!.MaxAttempts).InclusiveBetween(1, 10);
            RuleFor(r => r.RetryPolicy!.BaseDelayMs).InclusiveBetween(0, 600_000);
            RuleFor(r => r.RetryPolicy!.MaxDelayMs).InclusiveBetween(0, 3_600_000);
            RuleFor(r => r.RetryPolicy!.MaxDelayMs)
                .Must((r, max) => max is null || max >= (r.RetryPolicy!.BaseDelayMs ?? RetryStrategies.DefaultBaseDelayMs(r.RetryPolicy.Strategy ?? RetryStrategies.Exponential)))
                .WithMessage("Must not be below base_delay_ms");
            RuleFor(r => r.RetryPolicy!.BackoffMultiplier).InclusiveBetween(1.0, 10.0);
            RuleForEach(r => r.RetryPolicy!.RetryableErrors).Must(ConnectorErrorClasses.All.Contains)
                .WithMessage($"Must be one of: {string.Join(", ", ConnectorErrorClasses.All)}");
            RuleForEach(r => r.RetryPolicy!.NonRetryableErrors).Must(ConnectorErrorClasses.All.Contains)
                .WithMessage($"Must be one of: {string.Join(", ", ConnectorErrorClasses.All)}");
            RuleFor(r => r.RetryPolicy!.NonRetryableErrors)
                .Must((r, non) => non is null || r.RetryPolicy!.RetryableErrors is null || !non.Intersect(r.RetryPolicy.RetryableErrors).Any())
                .WithMessage("An error class cannot be both retryable and non-retryable");
        });

        When(r => r.CircuitBreaker is not null, () =>
        {
            RuleFor(r => r.CircuitBreaker!.FailureThreshold).InclusiveBetween(1, 10_000);
            RuleFor(r => r.CircuitBreaker!.FailureRateThreshold).GreaterThan(0.0).LessThanOrEqualTo(1.0);
            RuleFor(r => r.CircuitBreaker!.TimeoutMs).InclusiveBetween(100, 86_400_000);
            RuleFor(r => r.CircuitBreaker!.HalfOpenMaxCalls).InclusiveBetween(1, 1000);
            RuleFor(r => r.CircuitBreaker!.HalfOpenSuccessThreshold).InclusiveBetween(1, 1000)
                .Must((r, s) => s is null || s <= (r.CircuitBreaker!.HalfOpenMaxCalls ?? 3)).WithMessage("Must not exceed half_open_max_calls");
            RuleFor(r => r.CircuitBreaker!.MonitoringWindowMs).InclusiveBetween(1000, 86_400_000);
        });
    }
}
