using System.Globalization;
using System.Security.Cryptography;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>Accepts import files, reads import jobs and their reports, and keeps column mappings; the work is done by <see cref="ImportRunner"/>.</summary>
public sealed class ImportService(InventoryDbContext db, TenantContext tenant, TimeProvider clock, IOptions<ImportOptions> options, Integrations.CredentialProtector protector)
{
    public const string Resource = "Import";
    public const string MappingResource = "Import mapping";

    private static readonly IReadOnlyList<SortField<ImportJob>> SortFields = [Pager.Timestamp<ImportJob>("created_at", j => j.CreatedAt)];
    private static readonly IReadOnlyList<SortField<ImportMapping>> MappingSortFields = [Pager.Timestamp<ImportMapping>("created_at", m => m.CreatedAt), Pager.Text<ImportMapping>("name", m => m.Name)];

    /// <summary>Stores the file (streamed to disk, hashed on the way) and queues the job.</summary>
    public async Task<ImportResponse> CreateAsync(ImportRequest request, Stream file, string source, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var importType = request.ImportType ?? ImportTypes.Transactions;
        await CheckMappingAsync(request.MappingId, importType, ct);

        var id = SyncIds.New(SyncIds.Import);
        var directory = options.Value.ResolveDirectory();
        Directory.CreateDirectory(directory);
        var fileName = $"{id}.{request.Format ?? ImportFormats.Csv}";
        var (size, sha) = await SaveAsync(file, Path.Combine(directory, fileName), ct);
        if (size == 0)
        {
            File.Delete(Path.Combine(directory, fileName));
            throw new ValidationFailedException("file", "The file is empty");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var job = new ImportJob
        {
            Id = id,
            OrganizationId = organizationId,
            BranchId = tenant.BranchId,
            BranchIsolated = tenant.BranchIsolated,
            Status = ImportStatuses.Validating,
            ImportType = importType,
            Format = request.Format ?? ImportFormats.Csv,
            MappingId = request.MappingId,
            ValidationMode = ImportRequest.ResolveValidationMode(request.ValidationMode, request.ErrorHandling),
            DuplicateHandling = request.DuplicateHandling ?? ImportDuplicateHandling.Skip,
            ErrorHandling = request.ErrorHandling ?? ImportErrorHandling.Continue,
            Source = source,
            FileName = fileName,
            FileSize = size,
            FileSha256 = sha,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return ImportResponse.From(job, now);
    }

    /// <summary>
    /// Queues an import whose file the worker fetches from <c>data_url</c> (nothing is fetched here, on the request thread).
    /// The credential for the fetch and the key of an encrypted file are stored encrypted, bound to the job's id, and erased once
    /// the file is fetched and decoded (or the job ends).
    /// </summary>
    public async Task<UrlImportResponse> CreateFromUrlAsync(CreateUrlImportRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var importType = request.ResolvedImportType;
        await CheckMappingAsync(request.MappingId, importType, ct);

        var id = SyncIds.New(SyncIds.Import);
        var now = clock.GetUtcNow().UtcDateTime;
        var job = new ImportJob
        {
            Id = id,
            OrganizationId = organizationId,
            BranchId = tenant.BranchId,
            BranchIsolated = tenant.BranchIsolated,
            Status = ImportStatuses.Validating,
            ImportType = importType,
            Format = request.Format ?? ImportFormats.Auto,
            MappingId = request.MappingId,
            ValidationMode = request.ResolvedValidationMode,
            DuplicateHandling = request.ProcessingOptions?.DuplicateHandling ?? ImportDuplicateHandling.Skip,
            ErrorHandling = request.ProcessingOptions?.ErrorHandling ?? ImportErrorHandling.Continue,
            Source = "erp",
            DataUrl = request.DataUrl,
            SourceSystem = request.SourceSystem,
            SourceCredentials = Credentials(request.Authentication, id),
            SourceDecryptionKey = request.EncryptionKey is { } key ? protector.ProtectBytes(Convert.FromBase64String(key), DecryptionKeyBinding(id)) : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ImportJobs.Add(job);
        await db.SaveChangesAsync(ct);
        return UrlImportResponse.From(job, now);
    }

    public async Task<UrlImportResponse> GetUrlImportAsync(string id, CancellationToken ct) =>
        UrlImportResponse.From(await FindAsync(id, ct), clock.GetUtcNow().UtcDateTime);

    public async Task<ImportResponse> GetAsync(string id, CancellationToken ct) =>
        ImportResponse.From(await FindAsync(id, ct), clock.GetUtcNow().UtcDateTime);

    public async Task<PagedResult<ImportResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.ImportJobs.AsNoTracking()
            .WhereFilter(request, "status", j => j.Status)
            .WhereFilter(request, "import_type", j => j.ImportType);
        var now = clock.GetUtcNow().UtcDateTime;
        return (await Pager.PageAsync(query, request, SortFields, j => j.Id, ct)).Map(j => ImportResponse.From(j, now));
    }

    /// <summary>The validation summary and one page of row errors (in row order).</summary>
    public async Task<(ImportValidationResponse Report, PagedResult<ImportErrorResponse> Page)> ValidationAsync(string id, ListRequest request, CancellationToken ct)
    {
        var job = await FindAsync(id, ct);
        var errors = db.ImportErrors.AsNoTracking().Where(e => e.ImportId == job.Id);
        var failedRows = await errors.Select(e => e.RowNumber).Distinct().LongCountAsync(ct);
        var sortFields = new[] { new SortField<ImportError, long>("row_number", e => e.RowNumber, v => v.ToString(CultureInfo.InvariantCulture), s => long.Parse(s, CultureInfo.InvariantCulture)) };
        var page = (await Pager.PageAsync(errors, request with { Sort = "row_number" }, sortFields, e => e.RecordId, ct)).Map(ToResponse);
        var summary = new ImportValidationSummary(job.TotalRecords, Math.Max(0, job.TotalRecords - failedRows), failedRows);
        return (new ImportValidationResponse(job.Id, job.Status, summary, page.Items), page);
    }

    /// <summary>Every row error as CSV, streamed from the database.</summary>
    public async Task WriteErrorsCsvAsync(string id, Stream output, CancellationToken ct)
    {
        var job = await FindAsync(id, ct);
        await using var text = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        await using var csv = new CsvWriter(text, CultureInfo.InvariantCulture, leaveOpen: true);
        foreach (var header in new[] { "row_number", "record_id", "error_type", "error_message", "field", "value" })
        {
            csv.WriteField(header);
        }

        await csv.NextRecordAsync();
        await foreach (var e in db.ImportErrors.AsNoTracking().Where(e => e.ImportId == job.Id).OrderBy(e => e.RowNumber).ThenBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            csv.WriteField(e.RowNumber);
            csv.WriteField(e.RecordId);
            csv.WriteField(e.ErrorType);
            csv.WriteField(e.ErrorMessage);
            csv.WriteField(e.Field);
            csv.WriteField(e.Value);
            await csv.NextRecordAsync();
        }

        await csv.FlushAsync();
    }

    public async Task EnsureExistsAsync(string id, CancellationToken ct) => await FindAsync(id, ct);

    public async Task<ImportMappingResponse> CreateMappingAsync(ImportMappingRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var mapping = new ImportMapping
        {
            Id = SyncIds.New(SyncIds.Mapping),
            OrganizationId = tenant.RequireOrganization(),
            Name = request.Name!,
            ImportType = request.ImportType!,
            Columns = new Dictionary<string, string>(request.Columns!),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ImportMappings.Add(mapping);
        await db.SaveChangesAsync(ct);
        return ImportMappingResponse.From(mapping);
    }

    public async Task<ImportMappingResponse> GetMappingAsync(string id, CancellationToken ct) =>
        ImportMappingResponse.From(await db.ImportMappings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct) ?? throw new NotFoundException(MappingResource, id));

    public async Task<PagedResult<ImportMappingResponse>> ListMappingsAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.ImportMappings.AsNoTracking().WhereFilter(request, "import_type", m => m.ImportType);
        return (await Pager.PageAsync(query, request, MappingSortFields, m => m.Id, ct)).Map(ImportMappingResponse.From);
    }

    public async Task<DeletedResponse> DeleteMappingAsync(string id, CancellationToken ct)
    {
        var deleted = await db.ImportMappings.Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            throw new NotFoundException(MappingResource, id);
        }

        return new DeletedResponse(id, true, clock.GetUtcNow().UtcDateTime);
    }

    private async Task CheckMappingAsync(string? mappingId, string importType, CancellationToken ct)
    {
        if (mappingId is null)
        {
            return;
        }

        var mapping = await db.ImportMappings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == mappingId, ct)
            ?? throw new ValidationFailedException("mapping_id", $"Mapping {mappingId} not found");
        if (mapping.ImportType != importType)
        {
            throw new ValidationFailedException("mapping_id", $"Mapping {mappingId} is for {mapping.ImportType} imports, not {importType}");
        }
    }

    private byte[]? Credentials(UrlImportAuthentication? authentication, string jobId)
    {
        var headers = authentication?.Headers is { Count: > 0 } extra ? new Dictionary<string, string>(extra) : null;
        return authentication?.Type switch
        {
            UrlImportAuthentication.ApiKey => protector.Protect(new Integrations.IntegrationCredentials { ApiKeyHeader = authentication.Header ?? UrlImportAuthentication.DefaultHeader, ApiKey = authentication.Key, ExtraHeaders = headers }, jobId),
            UrlImportAuthentication.Bearer => protector.Protect(new Integrations.IntegrationCredentials { ApiKeyHeader = "Authorization", ApiKey = "Bearer " + authentication.Key, ExtraHeaders = headers }, jobId),
            _ when headers is not null => protector.Protect(new Integrations.IntegrationCredentials { ExtraHeaders = headers }, jobId),
            _ => null,
        };
    }

    /// <summary>What the stored decryption key is bound to: its job, and its purpose (so it never passes for the credential).</summary>
    public static string DecryptionKeyBinding(string jobId) => jobId + "#encryption_key";

    private async Task<ImportJob> FindAsync(string id, CancellationToken ct) =>
        await db.ImportJobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct) ?? throw new NotFoundException(Resource, id);

    private static ImportErrorResponse ToResponse(ImportError e) => new(e.RecordId, e.RowNumber, e.ErrorType, e.ErrorMessage, e.Field, e.Value);

    private static async Task<(long Size, string Sha256)> SaveAsync(Stream input, string path, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        var buffer = new byte[64 * 1024];
        long size = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
            size += read;
        }

        return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
