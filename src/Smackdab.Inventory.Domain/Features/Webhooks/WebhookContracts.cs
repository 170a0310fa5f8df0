using System.Text.Json.Serialization;
using FluentValidation;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Outbound;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

public sealed record WebhookFiltersDto
{
    /// <summary>Only events about locations of these types (events that concern no location pass).</summary>
    public IReadOnlyList<string>? LocationTypes { get; init; }

    /// <summary>Only events about products in these categories (events that concern no product pass).</summary>
    public IReadOnlyList<string>? ProductCategories { get; init; }
}

public sealed record WebhookRetryPolicyDto
{
    /// <summary>Attempts before a delivery is dead-lettered (1 to Webhooks:MaxAttemptsLimit, default 5).</summary>
    public int? MaxAttempts { get; init; }

    /// <summary><c>exponential</c> (default), <c>linear</c> or <c>fixed</c>; every delay has ±20% jitter.</summary>
    public string? BackoffStrategy { get; init; }
}

public sealed record WebhookAuthenticationDto
{
    /// <summary>Only <c>hmac_sha256</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Optional own secret (at least 16 characters); a <c>whsec_</c> secret is generated when absent.</summary>
    public string? Secret { get; init; }
}

public sealed record CreateWebhookSubscriptionRequest
{
    public string? Url { get; init; }

    public IReadOnlyList<string>? Events { get; init; }

    public WebhookFiltersDto? Filters { get; init; }

    public WebhookAuthenticationDto? Authentication { get; init; }

    public WebhookRetryPolicyDto? RetryPolicy { get; init; }

    public string? Description { get; init; }

    public static CreateWebhookSubscriptionRequest Example => new()
    {
        Url = "https://ecommerce.company.com/webhooks/inventory",
        Events = ["inventory.quantity.updated", "inventory.product.created", "inventory.product.updated", "inventory.allocation.created", "inventory.allocation.released"],
        Filters = new WebhookFiltersDto { LocationTypes = ["retail", "warehouse"], ProductCategories = ["electronics", "accessories"] },
        RetryPolicy = new WebhookRetryPolicyDto { MaxAttempts = 5, BackoffStrategy = BackoffStrategies.Exponential },
    };
}

/// <summary>PATCH body: every field is optional; what is present replaces the current value.</summary>
public sealed record UpdateWebhookSubscriptionRequest
{
    public string? Url { get; init; }

    public IReadOnlyList<string>? Events { get; init; }

    public WebhookFiltersDto? Filters { get; init; }

    public WebhookRetryPolicyDto? RetryPolicy { get; init; }

    /// <summary><c>paused</c> stops deliveries (they wait); <c>active</c> resumes, also after the API disabled the subscription.</summary>
    public string? Status { get; init; }

    public string? Description { get; init; }

    public static UpdateWebhookSubscriptionRequest Example => new() { Status = WebhookSubscriptionStatuses.Paused };
}

public sealed record RotateWebhookSecretRequest
{
    /// <summary>How long the previous secret keeps signing alongside the new one (0 to 720 hours; default Webhooks:DefaultRotationOverlapHours).</summary>
    public int? OverlapHours { get; init; }
}

public sealed record ReplayWebhookEventsRequest
{
    /// <summary>First event sequence to send again (inclusive).</summary>
    public long? FromSequence { get; init; }

    /// <summary>Last event sequence to send again (inclusive); at most 10,000 after <see cref="FromSequence"/>.</summary>
    public long? ToSequence { get; init; }
}

public sealed class ReplayWebhookEventsRequestValidator : AbstractValidator<ReplayWebhookEventsRequest>
{
    public const long MaxRange = 10_000;

    public ReplayWebhookEventsRequestValidator()
    {
        RuleFor(r => r.FromSequence).NotNull().WithMessage("Is required").GreaterThanOrEqualTo(1);
        RuleFor(r => r.ToSequence).NotNull().WithMessage("Is required")
            .GreaterThanOrEqualTo(r => r.FromSequence ?? 1).WithMessage("Must not be before from_sequence")
            .Must((r, to) => to is null || r.FromSequence is null || to - r.FromSequence < MaxRange)
            .WithMessage($"At most {MaxRange} events per replay");
    }
}

public sealed record WebhookPerformanceDto
{
    /// <summary>Percentage of deliveries finished in the last 24 hours that were delivered (not dead-lettered).</summary>
    public decimal? DeliverySuccessRate { get; init; }

    /// <summary>Mean latency of successful attempts in the last 24 hours.</summary>
    public decimal? AverageDeliveryTimeMs { get; init; }

    /// <summary>Deliveries dead-lettered in the last 24 hours.</summary>
    [JsonPropertyName("failed_deliveries_24h")]
    public int FailedDeliveries24h { get; init; }

    /// <summary>Percentage of deliveries that needed more than one attempt (last 24 hours) and were delivered in the end.</summary>
    public decimal? RetrySuccessRate { get; init; }

    public int PendingDeliveries { get; init; }
}

public sealed record WebhookSubscriptionResponse
{
    /// <summary>The same value as <see cref="SubscriptionId"/>.</summary>
    public string Id { get; init; } = "";

    public string SubscriptionId { get; init; } = "";

    public string Status { get; init; } = "";

    public string? DisabledReason { get; init; }

    public string WebhookUrl { get; init; } = "";

    public string? Description { get; init; }

    public IReadOnlyList<string> Events { get; init; } = [];

    public WebhookFiltersDto Filters { get; init; } = new();

    public WebhookRetryPolicyDto RetryPolicy { get; init; } = new();

    public string? BranchId { get; init; }

    /// <summary>The signing secret: present only in the answers of create and rotate-secret.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Until when the previous secret also signs (after a rotation).</summary>
    public DateTime? PreviousSecretExpiresAt { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public int Version { get; init; }

    /// <summary>Delivery figures; only in the answer of GET one subscription.</summary>
    public WebhookPerformanceDto? WebhookPerformance { get; init; }

    public static WebhookSubscriptionResponse From(WebhookSubscription s, string? secret = null, WebhookPerformanceDto? performance = null) => new()
    {
        Id = s.Id,
        SubscriptionId = s.Id,
        Status = s.Status,
        DisabledReason = s.DisabledReason,
        WebhookUrl = s.Url,
        Description = s.Description,
        Events = s.Events,
        Filters = new WebhookFiltersDto { LocationTypes = s.LocationTypes, ProductCategories = s.ProductCategories },
        RetryPolicy = new WebhookRetryPolicyDto { MaxAttempts = s.MaxAttempts, BackoffStrategy = s.BackoffStrategy },
        BranchId = s.BranchId,
        SecretKey = secret,
        PreviousSecretExpiresAt = s.PreviousSecretCiphertext is null ? null : s.PreviousSecretExpiresAt,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        Version = s.Version,
        WebhookPerformance = performance,
    };
}

public sealed record WebhookDeliveryAttemptResponse
{
    public int Number { get; init; }

    public DateTime AttemptedAt { get; init; }

    public bool Succeeded { get; init; }

    public int? ResponseCode { get; init; }

    public int LatencyMs { get; init; }

    public string? Error { get; init; }
}

public sealed record WebhookDeliveryResponse
{
    public string Id { get; init; } = "";

    public string SubscriptionId { get; init; } = "";

    public string EventId { get; init; } = "";

    public string EventType { get; init; } = "";

    public long Sequence { get; init; }

    public string Status { get; init; } = "";

    public bool Replay { get; init; }

    /// <summary>Attempts in the current round (a redelivery starts a new round).</summary>
    public int Attempts { get; init; }

    public int TotalAttempts { get; init; }

    public int? ResponseCode { get; init; }

    public int? LatencyMs { get; init; }

    public string? LastError { get; init; }

    public DateTime? LastAttemptAt { get; init; }

    /// <summary>When the next attempt is due (pending deliveries only).</summary>
    public DateTime? NextAttemptAt { get; init; }

    public DateTime? DeliveredAt { get; init; }

    public DateTime? DeadLetteredAt { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Every attempt, oldest first; only in the answer of GET one delivery.</summary>
    public IReadOnlyList<WebhookDeliveryAttemptResponse>? AttemptLog { get; init; }

    public static WebhookDeliveryResponse From(WebhookDelivery d, IReadOnlyList<WebhookDeliveryAttempt>? attempts = null) => new()
    {
        Id = d.Id,
        SubscriptionId = d.SubscriptionId,
        EventId = d.EventId,
        EventType = d.EventType,
        Sequence = d.EventSequence,
        Status = d.Status,
        Replay = d.IsReplay,
        Attempts = d.Attempts,
        TotalAttempts = d.TotalAttempts,
        ResponseCode = d.LastStatusCode,
        LatencyMs = d.LastLatencyMs,
        LastError = d.LastError,
        LastAttemptAt = d.LastAttemptAt,
        NextAttemptAt = d.Status == WebhookDeliveryStatuses.Pending ? d.NextAttemptAt : null,
        DeliveredAt = d.DeliveredAt,
        DeadLetteredAt = d.DeadLetteredAt,
        CreatedAt = d.CreatedAt,
        AttemptLog = attempts?.Select(a => new WebhookDeliveryAttemptResponse
        {
            Number = a.Number,
            AttemptedAt = a.AttemptedAt,
            Succeeded = a.Succeeded,
            ResponseCode = a.StatusCode,
            LatencyMs = a.LatencyMs,
            Error = a.Error,
        }).ToList(),
    };
}

public sealed class WebhookFiltersValidator : AbstractValidator<WebhookFiltersDto>
{
    public WebhookFiltersValidator()
    {
        RuleFor(x => x.LocationTypes).Must(v => v is null || v.Count <= 20).WithMessage("At most 20 location types");
        RuleForEach(x => x.LocationTypes).Must(t => t is not null && LocationTypes.All.Contains(t))
            .WithMessage($"Must be one of: {string.Join(", ", LocationTypes.All)}");
        RuleFor(x => x.ProductCategories).Must(v => v is null || v.Count <= 50).WithMessage("At most 50 product categories");
        RuleForEach(x => x.ProductCategories).NotEmpty().MaximumLength(100);
    }
}

public sealed class WebhookRetryPolicyValidator : AbstractValidator<WebhookRetryPolicyDto>
{
    public WebhookRetryPolicyValidator(IOptions<WebhookOptions> options)
    {
        RuleFor(x => x.MaxAttempts).InclusiveBetween(1, options.Value.MaxAttemptsLimit).When(x => x.MaxAttempts is not null);
        RuleFor(x => x.BackoffStrategy).Must(s => s is null || BackoffStrategies.All.Contains(s))
            .WithMessage($"Must be one of: {string.Join(", ", BackoffStrategies.All)}");
    }
}

public sealed class WebhookAuthenticationValidator : AbstractValidator<WebhookAuthenticationDto>
{
    public WebhookAuthenticationValidator()
    {
        RuleFor(x => x.Type).Must(t => t is null || t == "hmac_sha256").WithMessage("Must be hmac_sha256");
        RuleFor(x => x.Secret).Length(16, 200).When(x => x.Secret is not null);
    }
}

/// <summary>Rules shared by create and update.</summary>
internal static class WebhookRules
{
    public static readonly string UnknownEventMessage =
        $"Unknown event type; use one of {string.Join(", ", WebhookEventTypes.All)}, '*' or a 'prefix.*' pattern";
}

public sealed class CreateWebhookSubscriptionRequestValidator : AbstractValidator<CreateWebhookSubscriptionRequest>
{
    public CreateWebhookSubscriptionRequestValidator(OutboundUrlGuard guard, IOptions<WebhookOptions> options, IOptions<OutboundOptions> outbound)
    {
        var policy = outbound.Value.Policy;
        RuleFor(r => r.Url).CustomAsync(async (url, context, ct) =>
        {
            if (await guard.CheckAsync(url, policy, ct) is { } problem)
            {
                context.AddFailure(problem);
            }
        });
        RuleFor(r => r.Events).NotEmpty().WithMessage("At least one event type is required");
        RuleFor(r => r.Events).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 event types");
        RuleForEach(r => r.Events).Must(WebhookEventTypes.IsValidPattern).WithMessage(WebhookRules.UnknownEventMessage);
        RuleFor(r => r.Filters!).SetValidator(new WebhookFiltersValidator());
        RuleFor(r => r.RetryPolicy!).SetValidator(new WebhookRetryPolicyValidator(options));
        RuleFor(r => r.Description).MaximumLength(500);
        RuleFor(r => r.Authentication!).SetValidator(new WebhookAuthenticationValidator());
    }
}

public sealed class UpdateWebhookSubscriptionRequestValidator : AbstractValidator<UpdateWebhookSubscriptionRequest>
{
    public UpdateWebhookSubscriptionRequestValidator(OutboundUrlGuard guard, IOptions<WebhookOptions> options, IOptions<OutboundOptions> outbound)
    {
        var policy = outbound.Value.Policy;
        RuleFor(r => r.Url).CustomAsync(async (url, context, ct) =>
        {
            if (url is not null && await guard.CheckAsync(url, policy, ct) is { } problem)
            {
                context.AddFailure(problem);
            }
        });
        RuleFor(r => r.Events).Must(e => e is null || e.Count > 0).WithMessage("At least one event type is required");
        RuleFor(r => r.Events).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 event types");
        RuleForEach(r => r.Events).Must(WebhookEventTypes.IsValidPattern).WithMessage(WebhookRules.UnknownEventMessage);
        RuleFor(r => r.Filters!).SetValidator(new WebhookFiltersValidator());
        RuleFor(r => r.RetryPolicy!).SetValidator(new WebhookRetryPolicyValidator(options));
        RuleFor(r => r.Status).Must(s => s is null or WebhookSubscriptionStatuses.Active or WebhookSubscriptionStatuses.Paused)
            .WithMessage("Must be active or paused");
        RuleFor(r => r.Description).MaximumLength(500);
    }
}

public sealed class RotateWebhookSecretRequestValidator : AbstractValidator<RotateWebhookSecretRequest>
{
    public RotateWebhookSecretRequestValidator() =>
        RuleFor(r => r.OverlapHours).InclusiveBetween(0, 720).When(r => r.OverlapHours is not null);
}
