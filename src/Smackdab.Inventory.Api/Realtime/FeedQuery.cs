using Microsoft.Extensions.Primitives;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>
/// The filters every feed endpoint takes: <c>event_types</c> (full types or the spec's short SSE names),
/// <c>location_id(s)</c>, <c>product_id(s)</c>, <c>product_categories</c>, <c>location_types</c>, each comma-separated.
/// Branch isolation (X-Inventory-Mode: branch_isolated) always applies on top.
/// </summary>
public static class FeedQuery
{
    private const int MaxValues = 100;

    public static EventFilter Parse(IQueryCollection query, ITenantContext tenant)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(tenant);
        var errors = new ValidationErrors();
        var types = List(query, errors, "event_types", "event_type", "events");
        var resolved = new List<string>();
        foreach (var name in types ?? [])
        {
            if (EventTypes.Resolve(name) is { } type)
            {
                resolved.Add(type);
            }
            else
            {
                errors.Add("event_types", $"Unknown event type '{name}'. Known: {string.Join(", ", EventTypes.All)}");
            }
        }

        var filter = new EventFilter
        {
            BranchId = tenant.BranchIsolated ? tenant.BranchId : null,
            EventTypes = types is null ? null : resolved,
            LocationIds = List(query, errors, "location_ids", "location_id"),
            ProductIds = List(query, errors, "product_ids", "product_id"),
            ProductCategories = List(query, errors, "product_categories", "product_category"),
            LocationTypes = List(query, errors, "location_types", "location_type"),
        };
        errors.ThrowIfAny();
        return filter;
    }

    /// <summary>A feed position from a header or query value (a sequence ≥ 0), or null when absent.</summary>
    public static long? Position(StringValues value, string field)
    {
        if (StringValues.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!long.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position))
        {
            throw new ValidationFailedException(field, "Must be an event id (sequence number) received from this feed");
        }

        return position;
    }

    private static List<string>? List(IQueryCollection query, ValidationErrors errors, string name, params string[] aliases)
    {
        var values = new List<string>();
        var present = false;
        foreach (var key in aliases.Prepend(name))
        {
            if (!query.TryGetValue(key, out var raw))
            {
                continue;
            }

            present = true;
            values.AddRange(raw.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        }

        if (!present)
        {
            return null;
        }

        if (values.Count > MaxValues || values.Any(v => v.Length > 100))
        {
            errors.Add(name, $"At most {MaxValues} values of at most 100 characters");
        }

        return values.Distinct(StringComparer.Ordinal).ToList();
    }
}
