namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>The event types a subscription can name, and how a subscription's patterns match them.</summary>
public static class WebhookEventTypes
{
    public static readonly IReadOnlyList<string> All =
    [
        "inventory.transaction.created",
        "inventory.quantity.updated",
        "inventory.product.created",
        "inventory.product.updated",
        "inventory.product.deleted",
        "inventory.location.created",
        "inventory.location.updated",
        "inventory.location.deleted",
        "inventory.allocation.created",
        "inventory.allocation.released",
        "inventory.updated",
        "allocation.created",
        "shipment.confirmed",
    ];

    /// <summary>An exact type, <c>*</c>, or a <c>prefix.*</c> pattern that matches at least one known type.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is { Length: > 0 and <= 100 } && All.Any(type => Matches(pattern, type));

    public static bool Matches(string pattern, string eventType)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(eventType);
        if (pattern == "*")
        {
            return true;
        }

        return pattern.EndsWith(".*", StringComparison.Ordinal)
            ? eventType.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : pattern == eventType;
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string eventType) => patterns.Any(p => Matches(p, eventType));
}
