using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>The delivery log of a subscription and redelivery. Every lookup goes through the subscription, under the tenant filters.</summary>
public sealed class WebhookDeliveryService(InventoryDbContext db, WebhookSubscriptionService subscriptions, WebhookWakeup wakeup, TimeProvider clock)
{
    public const string Resource = "Webhook delivery";

    private static readonly IReadOnlyList<SortField<WebhookDelivery>> SortFields =
    [
        Pager.Timestamp<WebhookDelivery>("created_at", d => d.CreatedAt),
        new SortField<WebhookDelivery, long>(
            "sequence",
            d => d.EventSequence,
            v => v.ToString(CultureInfo.InvariantCulture),
            s => long.Parse(s, CultureInfo.InvariantCulture)),
    ];

    public async Task<PagedResult<WebhookDeliveryResponse>> ListAsync(string subscriptionId, ListRequest request, CancellationToken ct)
    {
        var subscription = await subscriptions.FindAsync(subscriptionId, tracking: false, ct);
        var query = db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.SubscriptionId == subscription.Id)
            .WhereFilter(request, "status", d => d.Status)
            .WhereFilter(request, "event_type", d => d.EventType);
        var page = await Pager.PageAsync(query, request, SortFields, d => d.Id, ct);
        return page.Map(d => WebhookDeliveryResponse.From(d));
    }

    public async Task<WebhookDeliveryResponse> GetAsync(string subscriptionId, string deliveryId, CancellationToken ct)
    {
        var delivery = await FindAsync(subscriptionId, deliveryId, tracking: false, ct);
        var attempts = await db.WebhookDeliveryAttempts.AsNoTracking()
            .Where(a => a.DeliveryId == delivery.Id)
            .OrderBy(a => a.Number)
            .ToListAsync(ct);
        return WebhookDeliveryResponse.From(delivery, attempts);
    }

    /// <summary>
    /// Sends a delivered or dead-lettered delivery again, with a fresh round of attempts and the same <c>webhook-id</c>. A
    /// pending delivery is already on its way: 409.
    /// </summary>
    public async Task<WebhookDeliveryResponse> RedeliverAsync(string subscriptionId, string deliveryId, CancellationToken ct)
    {
        var delivery = await FindAsync(subscriptionId, deliveryId, tracking: true, ct);
        if (delivery.Status == WebhookDeliveryStatuses.Pending)
        {
            throw new ConflictException(
                "The delivery is still pending; it will be attempted without a redelivery",
                new Dictionary<string, object?> { ["status"] = delivery.Status, ["next_attempt_at"] = delivery.NextAttemptAt });
        }

        var now = clock.GetUtcNow().UtcDateTime;
        delivery.Status = WebhookDeliveryStatuses.Pending;
        delivery.Attempts = 0;
        delivery.NextAttemptAt = now;
        delivery.LeaseExpiresAt = null;
        delivery.DeliveredAt = null;
        delivery.DeadLetteredAt = null;
        await db.SaveChangesAsync(ct);
        wakeup.Notify();
        return WebhookDeliveryResponse.From(delivery);
    }

    private async Task<WebhookDelivery> FindAsync(string subscriptionId, string deliveryId, bool tracking, CancellationToken ct)
    {
        var subscription = await subscriptions.FindAsync(subscriptionId, tracking: false, ct);
        var query = tracking ? db.WebhookDeliveries : db.WebhookDeliveries.AsNoTracking();
        return await query.FirstOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == subscription.Id, ct)
            ?? throw new NotFoundException(Resource, deliveryId);
    }
}

/// <summary>The spec's <c>webhook_performance</c> figures of one subscription, over the last 24 hours.</summary>
public sealed class WebhookPerformanceQuery(InventoryDbContext db, TimeProvider clock)
{
    public async Task<WebhookPerformanceDto> ForAsync(string subscriptionId, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime.AddHours(-24);
        var counts = await WebhookDeliveryCounts.CountAsync(
            db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.SubscriptionId == subscriptionId), since, ct);
        var averageLatency = await db.WebhookDeliveryAttempts.AsNoTracking()
            .Where(a => a.SubscriptionId == subscriptionId && a.Succeeded && a.AttemptedAt >= since)
            .AverageAsync(a => (double?)a.LatencyMs, ct);

        return new WebhookPerformanceDto
        {
            DeliverySuccessRate = Percent(counts.Delivered, counts.Delivered + counts.Dead),
            AverageDeliveryTimeMs = averageLatency is { } avg ? Math.Round((decimal)avg, 1) : null,
            FailedDeliveries24h = counts.Dead,
            RetrySuccessRate = Percent(counts.RetriedDelivered, counts.RetriedDelivered + counts.RetriedDead),
            PendingDeliveries = counts.Pending,
        };
    }

    private static decimal? Percent(int part, int whole) => whole == 0 ? null : Math.Round(100m * part / whole, 1);
}
