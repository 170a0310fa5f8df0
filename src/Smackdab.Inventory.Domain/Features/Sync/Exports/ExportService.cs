using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>Creates export jobs and reads them for their organization; the work itself is done by <see cref="ExportRunner"/>.</summary>
public sealed class ExportService(InventoryDbContext db, TenantContext tenant, TimeProvider clock, IOptions<ExportOptions> options)
{
    public const string Resource = "Export";

    private static readonly IReadOnlyList<SortField<ExportJob>> SortFields =
    [
        Pager.Timestamp<ExportJob>("created_at", j => j.CreatedAt),
    ];

    public async Task<ExportResponse> CreateAsync(CreateExportRequest request, DateTime? start, DateTime? end, CancellationToken ct)
    {
        var job = NewJob(tenant.RequireOrganization(), request, start, end);
        job.BranchId = tenant.BranchId;
        job.BranchIsolated = tenant.BranchIsolated;
        db.ExportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return ExportResponse.From(job, job.CreatedAt, job.EncryptionKey);
    }

    /// <summary>A new job row (not saved); also used by scheduled exports.</summary>
    public ExportJob NewJob(string organizationId, CreateExportRequest request, DateTime? start, DateTime? end)
    {
        var settings = options.Value;
        var retention = request.RetentionDays ?? settings.DefaultRetentionDays;
        if (retention > settings.MaxRetentionDays)
        {
            throw new ValidationFailedException("retention_days", $"Must be at most {settings.MaxRetentionDays}");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var encrypted = request.Encryption == ExportEncryptions.Aes256;
        return new ExportJob
        {
            Id = SyncIds.New(SyncIds.Export),
            OrganizationId = organizationId,
            Status = ExportStatuses.Processing,
            DataType = request.DataType ?? ExportDataTypes.Transactions,
            Format = request.Format ?? ExportFormats.Json,
            Compression = request.Compression ?? ExportCompressions.None,
            Encrypted = encrypted,
            EncryptionKey = encrypted ? ExportCipher.NewKey() : null,
            StartDate = start,
            EndDate = end,
            RetentionDays = retention,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public async Task<ExportResponse> GetAsync(string id, CancellationToken ct) =>
        ExportResponse.From(await FindAsync(id, ct), clock.GetUtcNow().UtcDateTime);

    public async Task<PagedResult<ExportResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.ExportJobs.AsNoTracking()
            .WhereFilter(request, "status", j => j.Status)
            .WhereFilter(request, "data_type", j => j.DataType)
            .WhereFilter(request, "schedule_id", j => j.ScheduleId!);
        var now = clock.GetUtcNow().UtcDateTime;
        var page = await Pager.PageAsync(query, request, SortFields, j => j.Id, ct);
        return page.Map(j => ExportResponse.From(j, now));
    }

    /// <summary>The finished file of a completed export; 409 while it is still being written, 404 once it has expired.</summary>
    public async Task<ExportFile> OpenAsync(string id, CancellationToken ct)
    {
        var job = await FindAsync(id, ct);
        if (job.Status == ExportStatuses.Processing)
        {
            throw new ConflictException("The export is still being generated", new Dictionary<string, object?>
            {
                ["status"] = job.Status,
                ["progress"] = job.ProcessedRecords,
            });
        }

        if (job.Status != ExportStatuses.Completed || job.FileName is null)
        {
            throw new ConflictException($"The export is {job.Status} and has no file", new Dictionary<string, object?> { ["status"] = job.Status });
        }

        var path = Path.Combine(options.Value.ResolveDirectory(), job.FileName);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new NotFoundException("Export file", id);
        }

        return new ExportFile(path, ContentType(job), DownloadName(job), info.Length, job.Sha256);
    }

    private async Task<ExportJob> FindAsync(string id, CancellationToken ct) =>
        await db.ExportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) ?? throw new NotFoundException(Resource, id);

    public static string DownloadName(ExportJob job) =>
        $"{job.Id}.{job.Format}{(job.Compression == ExportCompressions.Gzip ? ".gz" : "")}{(job.Encrypted ? ".enc" : "")}";

    private static string ContentType(ExportJob job) =>
        job.Encrypted ? "application/octet-stream"
        : job.Compression == ExportCompressions.Gzip ? "application/gzip"
        : job.Format switch
        {
            ExportFormats.Csv => "text/csv; charset=utf-8",
            ExportFormats.Ndjson => "application/x-ndjson",
            _ => "application/json; charset=utf-8",
        };
}
