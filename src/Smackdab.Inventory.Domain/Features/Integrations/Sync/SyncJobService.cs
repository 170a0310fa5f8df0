using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Integrations.Sync;

/// <summary>Starts and reports resumed syncs (POST /v1/integrations/{id}/sync/resume).</summary>
public sealed class SyncJobService(InventoryDbContext db, TenantContext tenant, IntegrationService integrations, CircuitBreakerStore breakers, TimeProvider clock)
{
    public const string Resource = "Sync job";

    /// <summary>Assumed time per record until the integration has a call history to estimate from.</summary>
    private const int DefaultMillisecondsPerRecord = 200;

    public async Task<SyncJobResponse> ResumeAsync(string integrationId, SyncResumeRequest request, CancellationToken ct)
    {
        var integration = await integrations.FindAsync(integrationId, ct);
        var breaker = await breakers.GetAsync(integration, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (breaker.State == CircuitStates.Open && now < CircuitBreakerRules.RetryAt(breaker, integration.CircuitBreaker))
        {
            var retryAt = CircuitBreakerRules.RetryAt(breaker, integration.CircuitBreaker);
            throw new CircuitBreakerOpenException(integration.Id, breaker.State, breaker.FailureCount, breaker.LastFailureAt, retryAt, now);
        }

        var from = DateTime.SpecifyKind(request.SyncFrom!.Value.ToUniversalTime(), DateTimeKind.Utc);
        if (from > now)
        {
            throw new ValidationFailedException("sync_from", "Must not be in the future");
        }

        var records = await db.InventoryTransactions.CountAsync(t => t.CreatedAt >= from && t.CreatedAt <= now, ct);
        var perRecord = await db.IntegrationCalls
            .Where(c => c.IntegrationId == integration.Id && c.Succeeded && c.At >= now.AddDays(-1))
            .AverageAsync(c => (double?)c.DurationMs, ct) ?? DefaultMillisecondsPerRecord;
        var job = new SyncJob
        {
            Id = PublicId.New(PublicId.SyncJob),
            OrganizationId = tenant.RequireOrganization(),
            IntegrationId = integration.Id,
            Priority = request.Priority ?? SyncPriorities.Normal,
            SyncFrom = from,
            SyncUntil = now,
            RecordsToSync = records,
            Status = records == 0 ? SyncJobStatuses.Completed : SyncJobStatuses.Processing,
            CompletedAt = records == 0 ? now : null,
            EstimatedCompletion = now.AddMilliseconds(records * perRecord),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.SyncJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return SyncJobResponse.From(job);
    }

    public async Task<SyncJobResponse> GetAsync(string integrationId, string jobId, CancellationToken ct)
    {
        var job = await db.SyncJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId && j.IntegrationId == integrationId, ct)
            ?? throw new NotFoundException(Resource, jobId);
        return SyncJobResponse.From(job);
    }

    public async Task<PagedResult<SyncJobResponse>> ListAsync(string integrationId, ListRequest request, CancellationToken ct)
    {
        await integrations.FindAsync(integrationId, ct);
        var query = db.SyncJobs.AsNoTracking().Where(j => j.IntegrationId == integrationId).WhereFilter(request, "status", j => j.Status);
        var page = await Pager.PageAsync(query, request, [Pager.Timestamp<SyncJob>("created_at", j => j.CreatedAt)], j => j.Id, ct);
        return page.Map(SyncJobResponse.From);
    }
}
