using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// One row of the transactional outbox: an event written in the same database transaction as the change it describes,
/// numbered by its organization's gap-free <see cref="Sequence"/>. Rows are only ever inserted (by <see cref="EventOutbox"/>)
/// and deleted (by retention).
/// </summary>
public sealed class StoredEvent : ITenantOwned, IBranchTagged
{
    public string OrganizationId { get; set; } = "";

    /// <summary>1, 2, 3, … per organization, without gaps; the order in which the changes committed.</summary>
    public long Sequence { get; set; }

    /// <summary>Public id, <c>evt_…</c>.</summary>
    public string EventId { get; set; } = "";

    public string EventType { get; set; } = "";

    public DateTime OccurredAt { get; set; }

    /// <summary>The branch of the location the event is about; null for organization-wide resources (products, holds).</summary>
    public string? BranchId { get; set; }

    /// <summary>product, location, transaction, balance, allocation, transfer, hold.</summary>
    public string ResourceType { get; set; } = "";

    public string ResourceId { get; set; } = "";

    public string? ProductId { get; set; }

    public string? LocationId { get; set; }

    /// <summary>Copied from the product and location when the event was written, so that feeds can filter without joins.</summary>
    public string? ProductCategory { get; set; }

    public string? LocationType { get; set; }

    /// <summary>The event's <c>data</c> object (jsonb).</summary>
    public string Data { get; set; } = "{}";

    /// <summary>
    /// W3C traceparent of the request (or job) that wrote the event, when it was traced; webhook deliveries and pushes link
    /// their own traces to it. Internal: never part of a payload.
    /// </summary>
    public string? TraceParent { get; set; }
}

/// <summary>The per-organization counter behind <see cref="StoredEvent.Sequence"/>, and how far retention has deleted.</summary>
[NotTenantFiltered("A counter written and read by the outbox writer and retention by organization id; never listed")]
public sealed class EventSequence
{
    public string OrganizationId { get; set; } = "";

    public long LastSequence { get; set; }

    /// <summary>Events up to and including this sequence have been deleted by retention.</summary>
    public long PrunedThrough { get; set; }
}
