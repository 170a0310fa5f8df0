using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>The event types a subscription can name (the change feed's, plus the spec's short SSE names), and how patterns match.</summary>
public static class WebhookEventTypes
{
    public static readonly IReadOnlyList<string> All = [.. EventTypes.All, .. EventTypes.StreamNames.Values];

    /// <summary>An exact type, <c>*</c>, or a <c>prefix.*</c> pattern that matches at least one known type.</summary>
    public static bool IsValidPattern(string? pattern) =>
        pattern is { Length: > 0 and <= 100 } && All.Any(type => Matches(pattern, type));

    /// <summary>True when <paramref name="pattern"/> names <paramref name="eventType"/> by its full or its short name.</summary>
    public static bool Matches(string pattern, string eventType)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(eventType);
        return MatchesName(pattern, eventType) || MatchesName(pattern, EventTypes.StreamName(eventType));
    }

    public static bool MatchesAny(IEnumerable<string> patterns, string eventType) => patterns.Any(p => Matches(p, eventType));

    private static bool MatchesName(string pattern, string name)
    {
        if (pattern == "*")
        {
            return true;
        }

        return pattern.EndsWith(".*", StringComparison.Ordinal)
            ? name.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : pattern == name;
    }
}
