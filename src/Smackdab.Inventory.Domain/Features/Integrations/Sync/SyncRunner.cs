using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Outbound;

namespace Smackdab.Inventory.Domain.Features.Integrations.Sync;

/// <summary>
/// The worker side of resumed syncs. A job is claimed under a lease (FOR UPDATE SKIP LOCKED), so any number of instances
/// can run; each pass pushes up to a batch of ledger rows in (created_at, id) order and moves the cursor after each
/// accepted row. A failed or refused push ends the pass; the job resumes from its cursor on a later pass.
/// </summary>
public sealed class SyncRunner(
    IServiceScopeFactory scopes,
    ConnectorClient connector,
    IOptions<IntegrationOptions> options,
    TimeProvider clock,
    ILogger<SyncRunner> logger)
{
    public const string DefaultEventsPath = "/inventory-events";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    /// <summary>Runs one pass of the next due job; false when there was nothing to do.</summary>
    public async Task<bool> RunNextAsync(CancellationToken ct)
    {
        var jobId = await ClaimAsync(ct);
        if (jobId is null)
        {
            return false;
        }

        // Background work: the pass's connector calls carry a trace of their own.
        using var activity = OutboundTelemetry.StartBackground("integration.sync", causedBy: null);
        activity.SetTag("smackdab.sync_job.id", jobId);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var job = await db.SyncJobs.IgnoreQueryFilters().SingleAsync(j => j.Id == jobId, ct);
        var integration = await db.Integrations.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(i => i.Id == job.IntegrationId, ct);
        if (integration is null || integration.DeletedAt is not null)
        {
            job.Status = SyncJobStatuses.Cancelled;
            job.LastError = "The integration was deleted";
            await ReleaseAsync(db, job, ct);
            return true;
        }

        var query = db.InventoryTransactions.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.OrganizationId == job.OrganizationId && t.CreatedAt >= job.SyncFrom && t.CreatedAt <= job.SyncUntil);
        if (job.CursorCreatedAt is { } at && job.CursorId is { } id)
        {
            query = query.Where(t => t.CreatedAt > at || (t.CreatedAt == at && string.Compare(t.Id, id) > 0));
        }

        var batch = await query.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id).Take(options.Value.SyncBatchSize).ToListAsync(ct);
        foreach (var row in batch)
        {
            var body = JsonSerializer.Serialize(new
            {
                event_type = "inventory.transaction.created",
                event_id = $"{job.Id}:{row.Id}",
                occurred_at = row.CreatedAt,
                organization_id = row.OrganizationId,
                sync_job_id = job.Id,
                data = new
                {
                    transaction_id = row.Id,
                    transaction_type = row.TransactionType,
                    product_id = row.ProductId,
                    location_id = row.LocationId,
                    quantity_change = row.QuantityChange,
                    previous_quantity = row.PreviousOnHand,
                    current_quantity = row.NewOnHand,
                    unit_cost = row.UnitCostAmount,
                    currency = row.UnitCostCurrency,
                    reference = row.Reference,
                },
            }, Json);
            try
            {
                await connector.SendAsync(integration, new ConnectorRequest(HttpMethod.Post, integration.EventsPath ?? DefaultEventsPath, body) { IdempotencyKey = $"{job.Id}:{row.Id}" }, ct);
            }
            catch (Exception e) when (e is IntegrationCallException or CircuitBreakerOpenException)
            {
                job.LastError = $"{((Common.DomainException)e).Code}: {e.Message}";
                job.FailedPasses++;
                logger.LogWarning("Sync job {SyncJobId} paused at {RecordsSynced}/{RecordsToSync}: {Error}", job.Id, job.RecordsSynced, job.RecordsToSync, job.LastError);
                await ReleaseAsync(db, job, ct);
                return true;
            }

            job.CursorCreatedAt = row.CreatedAt;
            job.CursorId = row.Id;
            job.RecordsSynced++;
            job.LastError = null;
            job.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(CancellationToken.None);
        }

        if (batch.Count < options.Value.SyncBatchSize)
        {
            job.Status = SyncJobStatuses.Completed;
            job.CompletedAt = clock.GetUtcNow().UtcDateTime;
            job.RecordsToSync = Math.Max(job.RecordsToSync, job.RecordsSynced);
            await db.Database.ExecuteSqlAsync($"UPDATE integrations SET last_sync_at = {job.CompletedAt} WHERE id = {integration.Id}", CancellationToken.None);
            logger.LogInformation("Sync job {SyncJobId} completed: {RecordsSynced} records pushed to integration {IntegrationId}", job.Id, job.RecordsSynced, integration.Id);
        }

        await ReleaseAsync(db, job, ct);
        return true;
    }

    private async Task<string?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(options.Value.SyncLeaseSeconds);
        var claimed = await db.Database.SqlQuery<string>(
            $"""
            UPDATE sync_jobs SET lease_owner = {_instanceId}, lease_expires_at = {until}
            WHERE id = (
                SELECT id FROM sync_jobs
                WHERE status = 'processing' AND (lease_expires_at IS NULL OR lease_expires_at < {now})
                ORDER BY CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END, updated_at, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        return claimed.FirstOrDefault();
    }

    private async Task ReleaseAsync(InventoryDbContext db, SyncJob job, CancellationToken ct)
    {
        job.LeaseOwner = null;
        // A paused job waits one lease period before the next pass; a job with more to do is due at once.
        job.LeaseExpiresAt = job.LastError is null ? null : clock.GetUtcNow().UtcDateTime.AddSeconds(options.Value.SyncRetrySeconds);
        job.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }
}
