using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>Which events a feed wants. Empty or null lists do not filter.</summary>
public sealed record EventFilter
{
    /// <summary>Branch isolation: when set, only events of this branch and organization-wide ones (no branch) are read.</summary>
    public string? BranchId { get; init; }

    /// <summary>Full event types (resolve short stream names with <see cref="EventTypes.Resolve"/> first).</summary>
    public IReadOnlyCollection<string>? EventTypes { get; init; }

    public IReadOnlyCollection<string>? LocationIds { get; init; }

    public IReadOnlyCollection<string>? ProductIds { get; init; }

    public IReadOnlyCollection<string>? ProductCategories { get; init; }

    public IReadOnlyCollection<string>? LocationTypes { get; init; }

    public static EventFilter None { get; } = new();
}

/// <summary>
/// A page of the feed. Resume from <see cref="NextAfter"/>: it is past every event read and every event skipped by the
/// filter, so a filtered feed does not rescan. When <see cref="FullSyncRequired"/> is true the position is older than
/// retention: the caller must reload state (product and stock lists) and continue from <see cref="Head"/>.
/// </summary>
public sealed record EventPage(IReadOnlyList<StoredEvent> Events, long NextAfter, long Head, bool FullSyncRequired)
{
    /// <summary>True when events after <see cref="NextAfter"/> were already written when this page was read.</summary>
    public bool HasMore => NextAfter < Head;
}

/// <summary>
/// Reads an organization's events in sequence order. Consumers (SSE, WebSocket, webhooks, polling, delta, exports) keep
/// their own position (the last sequence they processed) and call <see cref="ReadAsync"/> with it; to wait for new events
/// take <see cref="EventSignal.NextAsync"/> BEFORE reading, then await it when the page comes back empty.
/// Explicit organization id: works with or without a tenant (background workers).
/// </summary>
public sealed class EventReader(InventoryDbContext db)
{
    public const int MaxLimit = 1000;

    public async Task<EventPage> ReadAsync(string organizationId, long afterSequence, EventFilter filter, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        limit = Math.Clamp(limit, 1, MaxLimit);

        // The head first: every event up to it has committed (numbers are taken under the counter row's lock and commit in
        // order), so the query below, a later snapshot, sees all of them.
        var (head, prunedThrough) = await PositionsAsync(organizationId, ct);
        if (afterSequence < prunedThrough)
        {
            return new EventPage([], afterSequence, head, FullSyncRequired: true);
        }

        if (afterSequence >= head)
        {
            return new EventPage([], afterSequence, head, FullSyncRequired: false);
        }

        var events = await Filtered(db.Events.AsNoTracking().IgnoreQueryFilters(), filter)
            .Where(e => e.OrganizationId == organizationId && e.Sequence > afterSequence && e.Sequence <= head)
            .OrderBy(e => e.Sequence)
            .Take(limit)
            .ToListAsync(ct);
        var next = events.Count == limit ? events[^1].Sequence : head;
        return new EventPage(events, next, head, FullSyncRequired: false);
    }

    /// <summary>The organization's last written sequence and how far retention has deleted (0 and 0 before its first event).</summary>
    public async Task<(long Head, long PrunedThrough)> PositionsAsync(string organizationId, CancellationToken ct)
    {
        var counter = await db.EventSequences.AsNoTracking()
            .Where(s => s.OrganizationId == organizationId)
            .Select(s => new { s.LastSequence, s.PrunedThrough })
            .FirstOrDefaultAsync(ct);
        return (counter?.LastSequence ?? 0, counter?.PrunedThrough ?? 0);
    }

    /// <summary>
    /// The position just before the first event at or after <paramref name="since"/> (for <c>?since=&lt;time&gt;</c>), or null
    /// when events from that time may already be deleted by retention.
    /// </summary>
    public async Task<long?> PositionAtAsync(string organizationId, DateTime since, CancellationToken ct)
    {
        var (head, prunedThrough) = await PositionsAsync(organizationId, ct);
        var first = await db.Events.AsNoTracking().IgnoreQueryFilters()
            .Where(e => e.OrganizationId == organizationId && e.OccurredAt >= since && e.Sequence <= head)
            .OrderBy(e => e.Sequence)
            .Select(e => (long?)e.Sequence)
            .FirstOrDefaultAsync(ct);
        var position = (first ?? head + 1) - 1;
        if (prunedThrough > 0 && position <= prunedThrough)
        {
            // Events just before the first one kept may have been at or after `since`: we cannot know.
            return null;
        }

        return position;
    }

    private static IQueryable<StoredEvent> Filtered(IQueryable<StoredEvent> query, EventFilter filter)
    {
        if (filter.BranchId is { } branch)
        {
            query = query.Where(e => e.BranchId == null || e.BranchId == branch);
        }

        if (filter.EventTypes is { Count: > 0 } types)
        {
            query = query.Where(e => types.Contains(e.EventType));
        }

        if (filter.LocationIds is { Count: > 0 } locations)
        {
            query = query.Where(e => e.LocationId != null && locations.Contains(e.LocationId));
        }

        if (filter.ProductIds is { Count: > 0 } products)
        {
            query = query.Where(e => e.ProductId != null && products.Contains(e.ProductId));
        }

        if (filter.ProductCategories is { Count: > 0 } categories)
        {
            query = query.Where(e => e.ProductCategory != null && categories.Contains(e.ProductCategory));
        }

        if (filter.LocationTypes is { Count: > 0 } locationTypes)
        {
            query = query.Where(e => e.LocationType != null && locationTypes.Contains(e.LocationType));
        }

        return query;
    }
}
