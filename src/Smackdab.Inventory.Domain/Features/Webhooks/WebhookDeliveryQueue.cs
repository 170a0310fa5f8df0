using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>A delivery to make now, with what the sender needs: body, target and signing keys (current first).</summary>
public sealed record ClaimedDelivery(
    string Id,
    string SubscriptionId,
    string OrganizationId,
    string EventId,
    string Payload,
    string Url,
    IReadOnlyList<byte[]> SigningKeys,
    int Attempts,
    string? CausedBy = null);

/// <summary>How one attempt ended.</summary>
public sealed record DeliveryOutcome(bool Succeeded, int? StatusCode, int LatencyMs, string? Error)
{
    public bool Gone => StatusCode == 410;
}

/// <summary>
/// The delivery table as a work queue shared by every instance. A claim leases due deliveries with
/// <c>FOR UPDATE SKIP LOCKED</c> (so each attempt is made by one instance), and only the oldest pending delivery of each
/// subscription and resource, so that deliveries about one resource arrive in order. Runs outside any tenant: it ignores
/// the tenant query filters and names organizations explicitly.
/// </summary>
public sealed class WebhookDeliveryQueue(
    InventoryDbContext db,
    WebhookSecretProtector protector,
    WebhookBackoff backoff,
    WebhookWakeup wakeup,
    IOptions<WebhookOptions> options,
    TimeProvider clock)
{
    public const string IdPrefix = "whd";

    // The lease uses the database clock (crash recovery is about real time); due times use the injected clock.
    private const string ClaimSql = """
        UPDATE webhook_deliveries AS w
        SET lease_expires_at = now() + make_interval(secs => @lease)
        FROM (
            SELECT d.id
            FROM webhook_deliveries d
            JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending'
              AND d.next_attempt_at <= @now
              AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= now())
              AND s.status = 'active'
              AND NOT EXISTS (
                  SELECT 1 FROM webhook_deliveries e
                  WHERE e.subscription_id = d.subscription_id
                    AND e.ordering_key = d.ordering_key
                    AND e.status = 'pending'
                    AND (e.event_sequence, e.id) < (d.event_sequence, d.id))
            ORDER BY d.next_attempt_at, d.event_sequence
            LIMIT @batch
            FOR UPDATE OF d SKIP LOCKED
        ) AS due
        WHERE w.id = due.id
        RETURNING w.id AS "Value"
        """;

    /// <summary>Adds deliveries (in the caller's transaction, when one is open).</summary>
    public async Task EnqueueAsync(IEnumerable<NewWebhookDelivery> deliveries, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var d in deliveries)
        {
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = PublicId.New(IdPrefix),
                OrganizationId = d.OrganizationId,
                SubscriptionId = d.SubscriptionId,
                EventId = d.EventId,
                EventType = d.EventType,
                EventSequence = d.EventSequence,
                OrderingKey = d.OrderingKey,
                Payload = d.Payload,
                IsReplay = d.IsReplay,
                Status = WebhookDeliveryStatuses.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        wakeup.Notify();
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = await db.Database.SqlQueryRaw<string>(
                ClaimSql,
                new NpgsqlParameter("lease", (double)options.Value.LeaseSeconds),
                new NpgsqlParameter("now", now),
                new NpgsqlParameter("batch", batchSize))
            .ToListAsync(ct);
        if (ids.Count == 0)
        {
            return [];
        }

        var rows = await db.WebhookDeliveries.IgnoreQueryFilters().AsNoTracking()
            .Where(d => ids.Contains(d.Id))
            .Join(db.WebhookSubscriptions.IgnoreQueryFilters(), d => d.SubscriptionId, s => s.Id, (d, s) => new { Delivery = d, Subscription = s })
            .ToListAsync(ct);
        // The trace of the request that wrote each event, so that the delivery's trace can link to it (null once pruned).
        var eventIds = rows.Select(r => r.Delivery.EventId).Distinct().ToList();
        var causes = await db.Events.IgnoreQueryFilters().AsNoTracking()
            .Where(e => eventIds.Contains(e.EventId) && e.TraceParent != null)
            .Select(e => new { e.EventId, e.TraceParent })
            .ToDictionaryAsync(e => e.EventId, e => e.TraceParent, ct);
        return rows
            .OrderBy(r => r.Delivery.NextAttemptAt).ThenBy(r => r.Delivery.EventSequence)
            .Select(r => new ClaimedDelivery(
                r.Delivery.Id,
                r.Subscription.Id,
                r.Delivery.OrganizationId,
                r.Delivery.EventId,
                r.Delivery.Payload,
                r.Subscription.Url,
                SigningKeys(r.Subscription, now),
                r.Delivery.Attempts,
                causes.GetValueOrDefault(r.Delivery.EventId)))
            .ToList();
    }

    /// <summary>Records an attempt: delivered, retried later, dead-lettered, or (410) the subscription disabled.</summary>
    public async Task<string> RecordAsync(ClaimedDelivery claimed, DeliveryOutcome outcome, DateTime attemptedAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(outcome);
        var delivery = await db.WebhookDeliveries.IgnoreQueryFilters().FirstOrDefaultAsync(d => d.Id == claimed.Id, ct);
        var subscription = await db.WebhookSubscriptions.IgnoreQueryFilters().FirstOrDefaultAsync(s => s.Id == claimed.SubscriptionId, ct);
        if (delivery is null || subscription is null)
        {
            return "deleted";
        }

        var now = clock.GetUtcNow().UtcDateTime;
        delivery.Attempts++;
        delivery.TotalAttempts++;
        delivery.LastAttemptAt = attemptedAt;
        delivery.LastStatusCode = outcome.StatusCode;
        delivery.LastLatencyMs = outcome.LatencyMs;
        delivery.LastError = outcome.Error;
        delivery.LeaseExpiresAt = null;
        db.WebhookDeliveryAttempts.Add(new WebhookDeliveryAttempt
        {
            DeliveryId = delivery.Id,
            OrganizationId = delivery.OrganizationId,
            SubscriptionId = delivery.SubscriptionId,
            Number = delivery.TotalAttempts,
            AttemptedAt = attemptedAt,
            Succeeded = outcome.Succeeded,
            StatusCode = outcome.StatusCode,
            LatencyMs = outcome.LatencyMs,
            Error = outcome.Error,
        });

        string result;
        if (outcome.Succeeded)
        {
            delivery.Status = WebhookDeliveryStatuses.Delivered;
            delivery.DeliveredAt = now;
            result = WebhookDeliveryStatuses.Delivered;
        }
        else if (outcome.Gone)
        {
            // The delivery waits (pending) until the owner resumes the subscription; nothing is dead-lettered for it.
            subscription.Status = WebhookSubscriptionStatuses.Disabled;
            subscription.DisabledReason = "The endpoint answered 410 Gone";
            subscription.Touch(now);
            delivery.NextAttemptAt = now;
            result = WebhookSubscriptionStatuses.Disabled;
        }
        else if (delivery.Attempts >= subscription.MaxAttempts)
        {
            delivery.Status = WebhookDeliveryStatuses.DeadLettered;
            delivery.DeadLetteredAt = now;
            result = WebhookDeliveryStatuses.DeadLettered;
        }
        else
        {
            var wait = backoff.Delay(
                subscription.BackoffStrategy,
                delivery.Attempts,
                TimeSpan.FromSeconds(options.Value.RetryBaseDelaySeconds),
                TimeSpan.FromSeconds(options.Value.RetryMaxDelaySeconds));
            delivery.NextAttemptAt = now + wait;
            result = "retry";
        }

        await db.SaveChangesAsync(ct);
        return result;
    }

    /// <summary>Gives a claimed delivery back without an attempt (the subscription's circuit is open), due again after <paramref name="wait"/>.</summary>
    public Task PostponeAsync(string deliveryId, TimeSpan wait, CancellationToken ct)
    {
        var due = clock.GetUtcNow().UtcDateTime + wait;
        return db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.Id == deliveryId)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, due).SetProperty(d => d.LeaseExpiresAt, (DateTime?)null), ct);
    }

    private List<byte[]> SigningKeys(WebhookSubscription subscription, DateTime now)
    {
        var keys = new List<byte[]> { WebhookSecrets.KeyOf(protector.Unprotect(subscription.SecretCiphertext, subscription.Id)) };
        if (subscription.PreviousSecretCiphertext is { } previous && subscription.PreviousSecretExpiresAt > now)
        {
            keys.Add(WebhookSecrets.KeyOf(protector.Unprotect(previous, subscription.Id)));
        }

        return keys;
    }
}

/// <summary>What the fan-out (or a replay) asks the queue to deliver.</summary>
public sealed record NewWebhookDelivery(
    string OrganizationId,
    string SubscriptionId,
    string EventId,
    string EventType,
    long EventSequence,
    string OrderingKey,
    string Payload,
    bool IsReplay = false);
