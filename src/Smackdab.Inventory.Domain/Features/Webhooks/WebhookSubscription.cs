using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// An endpoint that receives an organization's events. Its signing secret is kept encrypted (never readable back through the
/// API); during a rotation the previous secret keeps signing too, until <see cref="PreviousSecretExpiresAt"/>.
/// </summary>
public sealed class WebhookSubscription : TenantEntity, IBranchOwned
{
    /// <summary>Set when the subscription was made in branch-isolated mode: it then sees only that branch's events.</summary>
    public string? BranchId { get; set; }

    public string Url { get; set; } = "";

    public string? Description { get; set; }

    /// <summary>Event types, <c>*</c> or a <c>prefix.*</c> pattern.</summary>
    public List<string> Events { get; set; } = [];

    public List<string> LocationTypes { get; set; } = [];

    public List<string> ProductCategories { get; set; } = [];

    public int MaxAttempts { get; set; } = 5;

    public string BackoffStrategy { get; set; } = BackoffStrategies.Exponential;

    public string Status { get; set; } = WebhookSubscriptionStatuses.Active;

    /// <summary>Why the API disabled the subscription (for example a 410 answer); null while active or paused by the owner.</summary>
    public string? DisabledReason { get; set; }

    public string SecretCiphertext { get; set; } = "";

    public string? PreviousSecretCiphertext { get; set; }

    public DateTime? PreviousSecretExpiresAt { get; set; }

    /// <summary>The last event sequence of the organization that has been fanned out to this subscription.</summary>
    public long LastEventSequence { get; set; }
}

public static class WebhookSubscriptionStatuses
{
    public const string Active = "active";
    public const string Paused = "paused";

    /// <summary>Set by the API (410 Gone); the owner resumes it with PATCH status=active.</summary>
    public const string Disabled = "disabled";

    public static readonly IReadOnlyList<string> All = [Active, Paused, Disabled];
}

public static class BackoffStrategies
{
    public const string Exponential = "exponential";
    public const string Linear = "linear";
    public const string Fixed = "fixed";

    public static readonly IReadOnlyList<string> All = [Exponential, Linear, Fixed];
}
