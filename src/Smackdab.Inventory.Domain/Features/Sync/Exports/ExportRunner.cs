using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>
/// The worker side of exports. Jobs are claimed under a lease (UPDATE … FOR UPDATE SKIP LOCKED), so any number of instances
/// share the queue and a job whose instance died is taken over once its lease runs out. Each job reads one REPEATABLE READ
/// snapshot and streams it (through gzip and AES-GCM when asked) into a temporary file that is renamed when complete.
/// </summary>
public sealed class ExportRunner(IServiceScopeFactory scopes, TimeProvider clock, IOptions<ExportOptions> options, ILogger<ExportRunner> logger)
{
    /// <summary>Identifies this process in lease columns.</summary>
    public string InstanceId { get; } = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Claims and runs one due job; false when there was none.</summary>
    public async Task<bool> RunNextAsync(CancellationToken ct)
    {
        var jobId = await ClaimAsync(ct);
        if (jobId is null)
        {
            return false;
        }

        await RunAsync(jobId, ct);
        return true;
    }

    /// <summary>Deletes the files of exports past their retention; returns how many expired.</summary>
    public async Task<int> ExpireDueAsync(int batchSize, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var directory = options.Value.ResolveDirectory();
        return await db.InTransactionAsync(async () =>
        {
            var due = await db.ExportJobs
                .FromSqlInterpolated($"SELECT * FROM export_jobs WHERE status = 'completed' AND expires_at <= {now} ORDER BY expires_at LIMIT {batchSize} FOR UPDATE SKIP LOCKED")
                .IgnoreQueryFilters()
                .ToListAsync(ct);
            foreach (var job in due)
            {
                if (job.FileName is not null)
                {
                    File.Delete(Path.Combine(directory, job.FileName));
                }

                job.Status = ExportStatuses.Expired;
                job.FileName = null;
                job.UpdatedAt = now;
            }

            await db.SaveChangesAsync(ct);
            return due.Count;
        }, ct);
    }

    private async Task<string?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        return await JobLease.ClaimAsync(db, "export_jobs", [ExportStatuses.Processing], InstanceId, now, now.AddSeconds(options.Value.LeaseSeconds), ct);
    }

    private async Task RunAsync(string jobId, CancellationToken ct)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var job = await db.ExportJobs.IgnoreQueryFilters().FirstAsync(j => j.Id == jobId, ct);
        if (job.Attempts > settings.MaxAttempts)
        {
            await FailAsync(db, job, "Gave up after repeated failures", ct);
            return;
        }

        var directory = settings.ResolveDirectory();
        Directory.CreateDirectory(directory);
        var fileName = ExportService.DownloadName(job);
        var temp = Path.Combine(directory, $"{fileName}.{Guid.NewGuid():N}.part");
        try
        {
            var started = clock.GetUtcNow();
            var count = await WriteSnapshotAsync(job, temp, ct);
            var size = new FileInfo(temp).Length;
            var sha = await HashAsync(temp, ct);
            File.Move(temp, Path.Combine(directory, fileName), overwrite: true);

            var now = clock.GetUtcNow().UtcDateTime;
            var completed = await db.ExportJobs.IgnoreQueryFilters()
                .Where(j => j.Id == job.Id && j.LeaseOwner == InstanceId && j.Status == ExportStatuses.Processing)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, ExportStatuses.Completed)
                    .SetProperty(j => j.RecordCount, count)
                    .SetProperty(j => j.ProcessedRecords, count)
                    .SetProperty(j => j.FileSize, size)
                    .SetProperty(j => j.Sha256, sha)
                    .SetProperty(j => j.FileName, fileName)
                    .SetProperty(j => j.EncryptionKey, (byte[]?)null)
                    .SetProperty(j => j.CompletedAt, now)
                    .SetProperty(j => j.ExpiresAt, now.AddDays(job.RetentionDays))
                    .SetProperty(j => j.LeaseOwner, (string?)null)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null)
                    .SetProperty(j => j.UpdatedAt, now), ct);
            if (completed == 0)
            {
                logger.LogWarning("Export {ExportId} was taken over by another instance; its result from {Instance} is discarded", job.Id, InstanceId);
                return;
            }

            logger.LogInformation(
                "Export {ExportId} of organization {OrganizationId} completed: {RecordCount} {DataType} records, {FileSize} bytes in {ElapsedMs:0} ms",
                job.Id, job.OrganizationId, count, job.DataType, size, (clock.GetUtcNow() - started).TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            File.Delete(temp);
            logger.LogWarning(e, "Export {ExportId} attempt {Attempt} failed", job.Id, job.Attempts);
            if (job.Attempts >= settings.MaxAttempts)
            {
                await FailAsync(db, job, "The export could not be generated", CancellationToken.None);
            }
            else
            {
                // Let the lease lapse sooner so that a retry comes after a short pause, on any instance.
                await db.ExportJobs.IgnoreQueryFilters().Where(j => j.Id == job.Id && j.LeaseOwner == InstanceId)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, clock.GetUtcNow().UtcDateTime.AddSeconds(5)), CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes the job's data from one snapshot; returns the number of records.</summary>
    private async Task<long> WriteSnapshotAsync(ExportJob job, string path, CancellationToken ct)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var snapshot = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await snapshot.InSnapshotAsync(async () =>
        {
            if (job.DataType == ExportDataTypes.Erp)
            {
                return await WriteErpAsync(snapshot, job, path, ct);
            }

            var total = await ExportSources.CountAsync(snapshot, job, ct);
            await ReportProgressAsync(job.Id, 0, total, ct);

            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            ExportCipher.EncryptingStream? cipher = job.Encrypted
                ? await ExportCipher.EncryptToAsync(file, job.EncryptionKey ?? throw new InvalidOperationException("Encrypted export without a key"), settings.EncryptionChunkBytes, ct)
                : null;
            Stream sink = cipher ?? (Stream)file;
            var gzip = job.Compression == ExportCompressions.Gzip ? new GZipStream(sink, CompressionLevel.Fastest, leaveOpen: true) : null;
            var output = gzip ?? sink;

            long written = 0;
            await using (var writer = ExportRecordWriter.Create(job.Format, output, ExportSources.Columns(job.DataType)))
            {
                await writer.BeginAsync(Metadata(job, total, clock.GetUtcNow().UtcDateTime), ct);
                await foreach (var row in ExportSources.Rows(snapshot, job).WithCancellation(ct))
                {
                    await writer.WriteAsync(row, ct);
                    written++;
                    if (written % settings.ProgressEvery == 0)
                    {
                        await ReportProgressAsync(job.Id, written, total, ct);
                    }
                }

                await writer.EndAsync(ct);
            }

            if (gzip is not null)
            {
                await gzip.DisposeAsync();
            }

            if (cipher is not null)
            {
                await cipher.FinishAsync(ct);
                await cipher.DisposeAsync();
            }

            await file.FlushAsync(ct);
            return written;
        }, ct);
    }

    private async Task<long> WriteErpAsync(InventoryDbContext snapshot, ExportJob job, string path, CancellationToken ct)
    {
        var settings = options.Value;
        var erp = System.Text.Json.JsonSerializer.Deserialize<Erp.ErpExportOptions>(job.Options ?? "{}")
            ?? throw new InvalidOperationException("ERP export without options");
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        ExportCipher.EncryptingStream? cipher = job.Encrypted
            ? await ExportCipher.EncryptToAsync(file, job.EncryptionKey ?? throw new InvalidOperationException("Encrypted export without a key"), settings.EncryptionChunkBytes, ct)
            : null;
        Stream sink = cipher ?? (Stream)file;
        var gzip = job.Compression == ExportCompressions.Gzip ? new GZipStream(sink, CompressionLevel.Fastest, leaveOpen: true) : null;
        var written = await Erp.ErpExportWriter.WriteAsync(snapshot, job, erp, gzip ?? sink, clock.GetUtcNow().UtcDateTime, n => ReportProgressAsync(job.Id, n, 0, ct), ct);
        if (gzip is not null)
        {
            await gzip.DisposeAsync();
        }

        if (cipher is not null)
        {
            await cipher.FinishAsync(ct);
            await cipher.DisposeAsync();
        }

        await file.FlushAsync(ct);
        return written;
    }

    /// <summary>Records progress and renews the lease; throws when another instance has taken the job over.</summary>
    private async Task ReportProgressAsync(string jobId, long processed, long total, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(options.Value.LeaseSeconds);
        var updated = await db.ExportJobs.IgnoreQueryFilters()
            .Where(j => j.Id == jobId && j.LeaseOwner == InstanceId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.ProcessedRecords, processed)
                .SetProperty(j => j.RecordCount, (long?)total)
                .SetProperty(j => j.LeaseExpiresAt, until)
                .SetProperty(j => j.UpdatedAt, now), ct);
        if (updated == 0)
        {
            throw new InvalidOperationException($"Lease on export {jobId} was lost");
        }
    }

    private async Task FailAsync(InventoryDbContext db, ExportJob job, string error, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.ExportJobs.IgnoreQueryFilters().Where(j => j.Id == job.Id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, ExportStatuses.Failed)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.EncryptionKey, (byte[]?)null)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.UpdatedAt, now), ct);
        logger.LogError("Export {ExportId} of organization {OrganizationId} failed: {Error}", job.Id, job.OrganizationId, error);
    }

    private static Dictionary<string, object?> Metadata(ExportJob job, long total, DateTime generatedAt) => new()
    {
        ["export_id"] = job.Id,
        ["organization_id"] = job.OrganizationId,
        ["data_type"] = job.DataType,
        ["generated_at"] = generatedAt,
        ["data_period"] = new Dictionary<string, object?> { ["start"] = job.StartDate, ["end"] = job.EndDate },
        ["record_count"] = total,
        ["columns"] = string.Join(',', ExportSources.Columns(job.DataType)),
    };

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
