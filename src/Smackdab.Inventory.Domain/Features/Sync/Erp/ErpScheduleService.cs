using System.Text.Json;
using Cronos;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

/// <summary>Scheduled ERP exports: the schedules of the caller's organization and their runs.</summary>
public sealed class ErpScheduleService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Export schedule";

    private static readonly IReadOnlyList<SortField<ErpExportSchedule>> SortFields = [Pager.Timestamp<ErpExportSchedule>("created_at", s => s.CreatedAt)];

    public async Task<ErpScheduleResponse> CreateAsync(CreateErpScheduleRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var encrypted = request.Encryption == ExportEncryptions.Aes256;
        var schedule = new ErpExportSchedule
        {
            Id = SyncIds.New(SyncIds.Schedule),
            OrganizationId = tenant.RequireOrganization(),
            ExportName = request.ExportName!,
            Cron = request.Schedule!,
            DataTypes = request.DataTypes!.Distinct().ToList(),
            DateRange = request.Filters?.DateRange ?? ErpDateRanges.PreviousDay,
            TransactionTypes = request.Filters?.TransactionTypes?.Distinct().ToList() ?? [],
            LocationTypes = request.Filters?.Locations?.Distinct().ToList() ?? [],
            Format = request.Format ?? ExportFormats.Json,
            Compression = request.Compression ?? ExportCompressions.None,
            Encrypted = encrypted,
            EncryptionKey = encrypted ? ExportCipher.NewKey() : null,
            RetentionDays = request.RetentionDays ?? 30,
            NextRunAt = ErpScheduler.Next(request.Schedule!, now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ErpExportSchedules.Add(schedule);
        await db.SaveChangesAsync(ct);
        return ErpScheduleResponse.From(schedule) with { EncryptionKey = schedule.EncryptionKey is null ? null : Convert.ToBase64String(schedule.EncryptionKey) };
    }

    public async Task<ErpScheduleResponse> GetAsync(string id, CancellationToken ct) => ErpScheduleResponse.From(await FindAsync(id, tracking: false, ct));

    public async Task<PagedResult<ErpScheduleResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.ErpExportSchedules.AsNoTracking().WhereFilter(request, "status", s => s.Status);
        return (await Pager.PageAsync(query, request, SortFields, s => s.Id, ct)).Map(ErpScheduleResponse.From);
    }

    /// <summary>Pausing stops future runs; resuming schedules the next occurrence from now (paused occurrences are not caught up).</summary>
    public async Task<ErpScheduleResponse> SetStatusAsync(string id, string status, CancellationToken ct)
    {
        var schedule = await FindAsync(id, tracking: true, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        if (schedule.Status != status)
        {
            schedule.Status = status;
            schedule.UpdatedAt = now;
            if (status == ErpScheduleStatuses.Active)
            {
                schedule.NextRunAt = ErpScheduler.Next(schedule.Cron, now);
            }

            await db.SaveChangesAsync(ct);
        }

        return ErpScheduleResponse.From(schedule);
    }

    public async Task<DeletedResponse> DeleteAsync(string id, CancellationToken ct)
    {
        var schedule = await FindAsync(id, tracking: true, ct);
        db.ErpExportSchedules.Remove(schedule);
        await db.SaveChangesAsync(ct);
        return new DeletedResponse(id, true, clock.GetUtcNow().UtcDateTime);
    }

    public async Task<PagedResult<ErpScheduleRunResponse>> RunsAsync(string id, ListRequest request, CancellationToken ct)
    {
        await FindAsync(id, tracking: false, ct);
        var query = from r in db.ErpScheduleRuns.AsNoTracking()
                    join e in db.ExportJobs on r.ExportId equals e.Id
                    where r.ScheduleId == id
                    select new { Run = r, e.Status };
        var total = await query.LongCountAsync(ct);
        var rows = await query.OrderByDescending(x => x.Run.ScheduledFor).Skip((request.Page - 1) * request.PageSize).Take(request.PageSize).ToListAsync(ct);
        var items = rows.Select(x => new ErpScheduleRunResponse(x.Run.ScheduleId, x.Run.ScheduledFor, x.Run.ExportId, x.Status,
            x.Status == ExportStatuses.Completed ? ExportResponse.DownloadPath(x.Run.ExportId) : null, x.Run.CreatedAt)).ToList();
        return new PagedResult<ErpScheduleRunResponse>(items, new PageInfo(request.Page, request.PageSize, total, request.Page * (long)request.PageSize < total, null, "-scheduled_for"));
    }

    private async Task<ErpExportSchedule> FindAsync(string id, bool tracking, CancellationToken ct)
    {
        var query = tracking ? db.ErpExportSchedules : db.ErpExportSchedules.AsNoTracking();
        return await query.FirstOrDefaultAsync(s => s.Id == id, ct) ?? throw new NotFoundException(Resource, id);
    }
}

/// <summary>
/// Worker side of schedules. A due schedule is claimed with FOR UPDATE SKIP LOCKED, and in the same transaction its occurrence
/// becomes a run row (unique per schedule and occurrence) and an export job, and next_run_at moves to the following occurrence.
/// So each occurrence runs exactly once across any number of instances, and occurrences missed while no instance was up are
/// run one by one (oldest first) when one comes back.
/// </summary>
public sealed class ErpScheduler(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ErpScheduler> logger)
{
    public string InstanceId { get; } = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    public static DateTime Next(string cron, DateTime after) =>
        CronExpression.Parse(cron).GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Utc), TimeZoneInfo.Utc)
        ?? throw new ValidationFailedException("schedule", "Has no future occurrence");

    /// <summary>Runs one due occurrence; false when none is due.</summary>
    public async Task<bool> RunNextAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            var schedule = await db.ErpExportSchedules
                .FromSqlInterpolated($"SELECT * FROM erp_export_schedules WHERE status = 'active' AND next_run_at <= {now} ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED")
                .IgnoreQueryFilters()
                .FirstOrDefaultAsync(ct);
            if (schedule is null)
            {
                return false;
            }

            var occurrence = schedule.NextRunAt;
            var (start, end) = ErpDateRanges.Period(schedule.DateRange, occurrence, schedule.LastRunAt);
            var job = new ExportJob
            {
                Id = SyncIds.New(SyncIds.Export),
                OrganizationId = schedule.OrganizationId,
                Status = ExportStatuses.Processing,
                DataType = ExportDataTypes.Erp,
                Format = ExportFormats.Json,
                Compression = schedule.Compression,
                Encrypted = schedule.Encrypted,
                EncryptionKey = schedule.EncryptionKey,
                StartDate = start,
                EndDate = end,
                RetentionDays = schedule.RetentionDays,
                ScheduleId = schedule.Id,
                Options = JsonSerializer.Serialize(new ErpExportOptions(schedule.DataTypes, schedule.TransactionTypes, schedule.LocationTypes)),
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.ExportJobs.Add(job);
            db.ErpScheduleRuns.Add(new ErpScheduleRun
            {
                OrganizationId = schedule.OrganizationId, ScheduleId = schedule.Id, ScheduledFor = occurrence, ExportId = job.Id, RunBy = InstanceId, CreatedAt = now,
            });
            schedule.LastRunAt = occurrence;
            schedule.NextRunAt = Next(schedule.Cron, occurrence);
            schedule.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Schedule {ScheduleId} of organization {OrganizationId}: occurrence {Occurrence:o} queued as export {ExportId}; next {Next:o}",
                schedule.Id, schedule.OrganizationId, occurrence, job.Id, schedule.NextRunAt);
            return true;
        }, ct);
    }
}
