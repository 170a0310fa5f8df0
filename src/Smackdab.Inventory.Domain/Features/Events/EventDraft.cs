using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// An event before it is written: <see cref="EventOutbox"/> numbers it, stamps <c>event_id</c> and <c>occurred_at</c>, fills
/// in the branch, category and location type from the product and location it names, and inserts it with the change.
/// </summary>
public sealed class EventDraft(string organizationId, string eventType, string resourceType, string resourceId, JsonObject data)
{
    public string OrganizationId { get; } = organizationId;

    public string EventType { get; } = eventType;

    public string ResourceType { get; } = resourceType;

    public string ResourceId { get; } = resourceId;

    public JsonObject Data { get; } = data;

    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    /// <summary>Set for events about a location itself; otherwise taken from <see cref="LocationId"/>'s branch.</summary>
    public string? BranchId { get; set; }

    public string? ProductCategory { get; set; }

    public string? LocationType { get; set; }

    /// <summary>When set, <c>data.sku</c> and <c>data.location_name</c> are filled in from the product and location.</summary>
    public bool WithNames { get; init; }
}

/// <summary>Resource names stored with each event (<see cref="StoredEvent.ResourceType"/>).</summary>
public static class EventResources
{
    public const string Product = "product";
    public const string Location = "location";
    public const string Transaction = "transaction";
    public const string Balance = "balance";
    public const string Allocation = "allocation";
    public const string Transfer = "transfer";
    public const string Hold = "hold";
}
