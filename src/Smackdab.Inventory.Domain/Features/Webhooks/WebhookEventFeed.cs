using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>Where webhooks read the organization's event sequence (the transactional outbox).</summary>
internal static class WebhookEventFeed
{
    /// <summary>The organization's latest event sequence: a new subscription receives only events after it.</summary>
    public static Task<long> CurrentSequenceAsync(InventoryDbContext db, string organizationId, CancellationToken ct)
    {
        // The outbox (events table) is not on main yet; until it is, fan-out starts at 0.
        _ = db;
        _ = organizationId;
        _ = ct;
        return Task.FromResult(0L);
    }
}
