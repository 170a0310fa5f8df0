using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Domain.Features.Integrations.Push;

/// <summary>
/// Pushes each integration's subscribed events, in sequence order, through its connector (its auth, retries and breaker).
/// A pass claims one due push under a lease (FOR UPDATE SKIP LOCKED, so any number of instances can run this and only one
/// works a push at a time), POSTs the events after its cursor one by one, and moves the cursor after each one the external
/// system accepted. A failure (or an open breaker) ends the pass and sets when to try again; the next pass starts at the same
/// event, so a backlog goes out in order once the system recovers. Each event is sent with <c>Idempotency-Key: {event_id}</c>:
/// a receiver that honours it sees every event once even if an instance dies between the answer and moving the cursor.
/// </summary>
public sealed class PushRunner(
    IServiceScopeFactory scopes,
    ConnectorClient connector,
    IOptions<IntegrationOptions> options,
    TimeProvider clock,
    ILogger<PushRunner> logger)
{
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    /// <summary>The concrete event types that <paramref name="patterns"/> (types, short names, prefix.* or *) name.</summary>
    public static List<string> SubscribedTypes(IEnumerable<string> patterns)
    {
        var list = patterns.ToList();
        return EventTypes.All.Where(t => WebhookEventTypes.MatchesAny(list, t)).ToList();
    }

    /// <summary>Runs one pass of the next due push; false when none was due.</summary>
    public async Task<bool> RunNextAsync(CancellationToken ct)
    {
        var integrationId = await ClaimAsync(ct);
        if (integrationId is null)
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        try
        {
            await PushAsync(db, scope.ServiceProvider.GetRequiredService<EventReader>(), integrationId, ct);
        }
        finally
        {
            await ReleaseAsync(db, integrationId);
        }

        return true;
    }

    private async Task PushAsync(InventoryDbContext db, EventReader reader, string integrationId, CancellationToken ct)
    {
        var integration = await db.Integrations.IgnoreQueryFilters().AsNoTracking().SingleAsync(i => i.Id == integrationId, ct);
        var push = await db.IntegrationPushes.IgnoreQueryFilters().AsNoTracking().SingleAsync(p => p.IntegrationId == integrationId, ct);
        var types = SubscribedTypes(integration.Events);
        var page = await reader.ReadAsync(integration.OrganizationId, push.Cursor, new EventFilter { EventTypes = types }, options.Value.PushBatchSize, ct);
        if (page.FullSyncRequired)
        {
            var (_, prunedThrough) = await reader.PositionsAsync(integration.OrganizationId, ct);
            logger.LogWarning(
                "Push of integration {IntegrationId}: events {FromSequence}..{ToSequence} were deleted by retention before they were pushed; continuing after them",
                integrationId, push.Cursor + 1, prunedThrough);
            await AdvanceAsync(db, integrationId, prunedThrough, pushed: null, CancellationToken.None);
            return;
        }

        var path = integration.EventsPath ?? SyncRunner.DefaultEventsPath;
        foreach (var e in page.Events)
        {
            if (!await RenewLeaseAsync(db, integration, ct))
            {
                logger.LogWarning("Push of integration {IntegrationId} lost its lease at sequence {Sequence}; another instance continues", integrationId, e.Sequence);
                return;
            }

            using var activity = OutboundTelemetry.StartBackground("integration.push", e.TraceParent);
            activity.SetTag("smackdab.integration.id", integrationId);
            activity.SetTag("smackdab.event.id", e.EventId);
            var attemptedAt = clock.GetUtcNow().UtcDateTime;
            try
            {
                var request = new ConnectorRequest(HttpMethod.Post, path, EventEnvelope.ToJsonString(e)) { IdempotencyKey = e.EventId };
                await connector.SendAsync(integration, request, ct);
            }
            catch (Exception failure) when (failure is IntegrationCallException or CircuitBreakerOpenException)
            {
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.Message);
                await RecordFailureAsync(db, integration, push, e, (DomainException)failure, attemptedAt);
                return;
            }

            if (!await AdvanceAsync(db, integrationId, e.Sequence, (e.EventId, attemptedAt), CancellationToken.None))
            {
                return;
            }

            logger.LogDebug("Pushed {EventType} {EventId} (sequence {Sequence}) to integration {IntegrationId}", e.EventType, e.EventId, e.Sequence, integrationId);
        }

        // Past the events the integration does not subscribe to, up to what this page covered.
        if (page.NextAfter > (page.Events.Count > 0 ? page.Events[^1].Sequence : push.Cursor))
        {
            await AdvanceAsync(db, integrationId, page.NextAfter, pushed: null, CancellationToken.None);
        }
    }

    /// <summary>Moves the cursor forward to <paramref name="sequence"/> while this instance holds the lease; false when it no longer does.</summary>
    private async Task<bool> AdvanceAsync(InventoryDbContext db, string integrationId, long sequence, (string EventId, DateTime At)? pushed, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var query = db.IntegrationPushes.IgnoreQueryFilters()
            .Where(p => p.IntegrationId == integrationId && p.LeaseOwner == _instanceId && p.Cursor < sequence);
        var updated = pushed is { } done
            ? await query.ExecuteUpdateAsync(
                s => s.SetProperty(p => p.Cursor, sequence)
                    .SetProperty(p => p.PushedCount, p => p.PushedCount + 1)
                    .SetProperty(p => p.LastPushedAt, now)
                    .SetProperty(p => p.LastPushedEventId, done.EventId)
                    .SetProperty(p => p.LastAttemptAt, done.At)
                    .SetProperty(p => p.LastError, (string?)null)
                    .SetProperty(p => p.FailedAttempts, 0)
                    .SetProperty(p => p.NextAttemptAt, (DateTime?)null)
                    .SetProperty(p => p.UpdatedAt, now),
                ct)
            : await query.ExecuteUpdateAsync(s => s.SetProperty(p => p.Cursor, sequence).SetProperty(p => p.UpdatedAt, now), ct);
        return updated == 1;
    }

    private async Task RecordFailureAsync(InventoryDbContext db, Integration integration, IntegrationPush push, StoredEvent e, DomainException failure, DateTime attemptedAt)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var failed = push.FailedAttempts + 1;
        DateTime next;
        if (failure is CircuitBreakerOpenException open)
        {
            next = open.RetryAfter;
        }
        else
        {
            var wait = Math.Min(options.Value.PushRetrySeconds * Math.Pow(2, Math.Min(failed - 1, 20)), options.Value.PushMaxRetrySeconds);
            next = now.AddSeconds(wait);
        }

        var error = $"{(failure is IntegrationCallException call ? call.ErrorClass : failure.Code)}: {failure.Message}";
        logger.LogWarning(
            "Push of {EventId} (sequence {Sequence}) to integration {IntegrationId} failed ({Error}); attempt {FailedAttempts} in a row, next at {NextAttemptAt:o}",
            e.EventId, e.Sequence, integration.Id, error, failed, next);
        await db.IntegrationPushes.IgnoreQueryFilters()
            .Where(p => p.IntegrationId == integration.Id && p.LeaseOwner == _instanceId)
            .ExecuteUpdateAsync(
                s => s.SetProperty(p => p.FailedAttempts, p => p.FailedAttempts + 1)
                    .SetProperty(p => p.LastError, error)
                    .SetProperty(p => p.LastAttemptAt, attemptedAt)
                    .SetProperty(p => p.NextAttemptAt, next)
                    .SetProperty(p => p.UpdatedAt, now),
                CancellationToken.None);
    }

    /// <summary>
    /// Claims the next due push: enabled, its integration active, events after its cursor, not waiting after a failure, and
    /// not leased by another instance. The lease covers the longest single push the integration's retry policy allows.
    /// </summary>
    private async Task<string?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(options.Value.PushLeaseSeconds);
        var claimed = await db.Database.SqlQuery<string>(
            $"""
            UPDATE integration_pushes SET lease_owner = {_instanceId}, lease_expires_at = {until}
            WHERE integration_id = (
                SELECT p.integration_id
                FROM integration_pushes p
                JOIN integrations i ON i.id = p.integration_id
                JOIN event_sequences s ON s.organization_id = p.organization_id
                WHERE p.enabled AND i.deleted_at IS NULL AND i.status = 'active'
                  AND s.last_sequence > p.cursor
                  AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= {now})
                  AND (p.lease_expires_at IS NULL OR p.lease_expires_at < {now})
                ORDER BY p.next_attempt_at NULLS FIRST, p.updated_at, p.integration_id
                LIMIT 1
                FOR UPDATE OF p SKIP LOCKED)
            RETURNING integration_id AS "Value"
            """).ToListAsync(ct);
        return claimed.FirstOrDefault();
    }

    /// <summary>Extends the lease before each event, long enough for the integration's whole retry schedule; false when it was lost.</summary>
    private async Task<bool> RenewLeaseAsync(InventoryDbContext db, Integration integration, CancellationToken ct)
    {
        var policy = integration.RetryPolicy;
        var longest = TimeSpan.FromMilliseconds((double)policy.MaxAttempts * (integration.TimeoutMs + policy.MaxDelayMs + 1000));
        var lease = TimeSpan.FromSeconds(Math.Max(options.Value.PushLeaseSeconds, longest.TotalSeconds + 30));
        var until = clock.GetUtcNow().UtcDateTime + lease;
        var renewed = await db.IntegrationPushes.IgnoreQueryFilters()
            .Where(p => p.IntegrationId == integration.Id && p.LeaseOwner == _instanceId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseExpiresAt, until), ct);
        return renewed == 1;
    }

    private async Task ReleaseAsync(InventoryDbContext db, string integrationId)
    {
        await db.IntegrationPushes.IgnoreQueryFilters()
            .Where(p => p.IntegrationId == integrationId && p.LeaseOwner == _instanceId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, (string?)null).SetProperty(p => p.LeaseExpiresAt, (DateTime?)null), CancellationToken.None);
    }
}
