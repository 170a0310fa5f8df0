using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// Turns the organization's event sequence into deliveries. Each subscription keeps a cursor (the last sequence fanned out to
/// it); one pass locks subscriptions that are behind (FOR UPDATE SKIP LOCKED, so instances share the work and never fan out
/// the same subscription twice), reads the events after the cursor, queues the matching ones and moves the cursor, all in one
/// transaction: an event is queued for a subscription exactly once, and none is skipped. A unique index on
/// (subscription, sequence) backs this up.
/// </summary>
public sealed class WebhookFanOut(InventoryDbContext db, EventReader reader, WebhookWakeup wakeup, TimeProvider clock, ILogger<WebhookFanOut> logger)
{
    private const int EventsPerSubscription = 500;

    private const string BehindSql = """
        SELECT s.*
        FROM webhook_subscriptions s
        JOIN event_sequences q ON q.organization_id = s.organization_id
        WHERE s.last_event_sequence < q.last_sequence
        ORDER BY s.id
        LIMIT {0}
        FOR UPDATE OF s SKIP LOCKED
        """;

    /// <summary>One pass over at most <paramref name="maxSubscriptions"/> subscriptions; returns the number of deliveries queued.</summary>
    public async Task<int> RunAsync(int maxSubscriptions, CancellationToken ct)
    {
        var queued = await db.InTransactionAsync(async () =>
        {
            var subscriptions = await db.WebhookSubscriptions.FromSqlRaw(BehindSql, maxSubscriptions).IgnoreQueryFilters().ToListAsync(ct);
            var count = 0;
            foreach (var subscription in subscriptions)
            {
                count += await FanOutAsync(subscription, ct);
            }

            await db.SaveChangesAsync(ct);
            return count;
        }, ct);
        db.ChangeTracker.Clear();
        if (queued > 0)
        {
            wakeup.Notify();
        }

        return queued;
    }

    /// <summary>Queues events <paramref name="fromSequence"/>..<paramref name="toSequence"/> again for one subscription (replay).</summary>
    public async Task<ReplayResult> ReplayAsync(WebhookSubscription subscription, long fromSequence, long toSequence, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var (head, prunedThrough) = await reader.PositionsAsync(subscription.OrganizationId, ct);
        if (fromSequence <= prunedThrough)
        {
            throw new Common.ValidationFailedException(
                "from_sequence",
                $"Events up to {prunedThrough} are no longer retained; replay from {prunedThrough + 1}");
        }

        var last = Math.Min(toSequence, head);
        var position = fromSequence - 1;
        var now = clock.GetUtcNow().UtcDateTime;
        var count = 0;
        while (position < last)
        {
            var page = await reader.ReadAsync(subscription.OrganizationId, position, new EventFilter { BranchId = subscription.BranchId }, EventsPerSubscription, ct);
            foreach (var e in page.Events.Where(e => e.Sequence <= last && Matches(subscription, e)))
            {
                db.WebhookDeliveries.Add(NewDelivery(subscription, e, now, isReplay: true));
                count++;
            }

            if (page.Events.Count == 0 || page.NextAfter <= position)
            {
                break;
            }

            position = page.NextAfter;
        }

        await db.SaveChangesAsync(ct);
        wakeup.Notify();
        return new ReplayResult(subscription.Id, fromSequence, last, count);
    }

    /// <summary>The subscription's event types, branch and filters, applied to one event.</summary>
    public static bool Matches(WebhookSubscription subscription, StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(e);
        if (!WebhookEventTypes.MatchesAny(subscription.Events, e.EventType))
        {
            return false;
        }

        if (subscription.BranchId is { } branch && e.BranchId is not null && e.BranchId != branch)
        {
            return false;
        }

        // A filter applies to events about that dimension only: a product event passes a location-type filter.
        if (subscription.LocationTypes.Count > 0 && e.LocationId is not null
            && (e.LocationType is null || !subscription.LocationTypes.Contains(e.LocationType)))
        {
            return false;
        }

        return subscription.ProductCategories.Count == 0 || e.ProductId is null
            || (e.ProductCategory is not null && subscription.ProductCategories.Contains(e.ProductCategory));
    }

    private async Task<int> FanOutAsync(WebhookSubscription subscription, CancellationToken ct)
    {
        var page = await reader.ReadAsync(subscription.OrganizationId, subscription.LastEventSequence, new EventFilter { BranchId = subscription.BranchId }, EventsPerSubscription, ct);
        if (page.FullSyncRequired)
        {
            logger.LogWarning("Webhook subscription {SubscriptionId} was behind retention (at {Sequence}); events up to {Head} were not delivered",
                subscription.Id, subscription.LastEventSequence, page.Head);
            subscription.LastEventSequence = page.Head;
            return 0;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var count = 0;
        foreach (var e in page.Events.Where(e => Matches(subscription, e)))
        {
            db.WebhookDeliveries.Add(NewDelivery(subscription, e, now, isReplay: false));
            count++;
        }

        subscription.LastEventSequence = page.NextAfter;
        return count;
    }

    private static WebhookDelivery NewDelivery(WebhookSubscription subscription, StoredEvent e, DateTime now, bool isReplay) => new()
    {
        Id = Common.PublicId.New(WebhookDeliveryQueue.IdPrefix),
        OrganizationId = subscription.OrganizationId,
        SubscriptionId = subscription.Id,
        EventId = e.EventId,
        EventType = e.EventType,
        EventSequence = e.Sequence,
        OrderingKey = e.ProductId ?? e.LocationId ?? $"{e.ResourceType}:{e.ResourceId}",
        Payload = EventEnvelope.ToJsonString(e),
        IsReplay = isReplay,
        Status = WebhookDeliveryStatuses.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };
}

public sealed record ReplayResult(string SubscriptionId, long FromSequence, long ToSequence, int Queued);
