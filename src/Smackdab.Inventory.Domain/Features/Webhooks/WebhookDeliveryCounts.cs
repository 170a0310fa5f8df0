using Microsoft.EntityFrameworkCore;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// The counts behind the spec's <c>webhook_performance</c> figures, in one statement: deliveries finished since a moment
/// (delivered, dead-lettered, and of those the ones that needed a retry) and deliveries still pending.
/// Shared by a subscription's figures and the dashboard's.
/// </summary>
public sealed record WebhookDeliveryCounts(int Delivered, int Dead, int RetriedDelivered, int RetriedDead, int Pending)
{
    public static readonly WebhookDeliveryCounts None = new(0, 0, 0, 0, 0);

    public static async Task<WebhookDeliveryCounts> CountAsync(IQueryable<WebhookDelivery> deliveries, DateTime since, CancellationToken ct)
    {
        const string delivered = WebhookDeliveryStatuses.Delivered;
        const string dead = WebhookDeliveryStatuses.DeadLettered;
        const string pending = WebhookDeliveryStatuses.Pending;
        return await deliveries.AsNoTracking()
            .GroupBy(d => 1)
            .Select(g => new WebhookDeliveryCounts(
                g.Count(d => d.Status == delivered && d.DeliveredAt >= since),
                g.Count(d => d.Status == dead && d.DeadLetteredAt >= since),
                g.Count(d => d.Status == delivered && d.DeliveredAt >= since && d.TotalAttempts > 1),
                g.Count(d => d.Status == dead && d.DeadLetteredAt >= since && d.TotalAttempts > 1),
                g.Count(d => d.Status == pending)))
            .FirstOrDefaultAsync(ct) ?? None;
    }
}
