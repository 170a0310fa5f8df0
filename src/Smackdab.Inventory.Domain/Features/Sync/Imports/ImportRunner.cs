using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>
/// The worker side of imports, leased like exports (<see cref="JobLease"/>). Phase 1 reads the whole file once and records every
/// bad row; strict mode stops there when any row failed. Phase 2 reads it again and applies the good rows in chunks through
/// <see cref="LedgerService"/> and <see cref="ProductService"/>. Strict applies everything in one database transaction; lenient
/// commits each chunk together with the job's progress and <c>applied_through_row</c>, so a job taken over after a crash resumes
/// after the last committed chunk and applies nothing twice.
/// </summary>
public sealed class ImportRunner(IServiceScopeFactory scopes, TimeProvider clock, IOptions<ImportOptions> options, ILogger<ImportRunner> logger)
{
    public const string Table = "import_jobs";

    public string InstanceId { get; } = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    public async Task<bool> RunNextAsync(CancellationToken ct)
    {
        string? jobId;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            var now = clock.GetUtcNow().UtcDateTime;
            jobId = await JobLease.ClaimAsync(db, Table, [ImportStatuses.Validating, ImportStatuses.Processing], InstanceId, now, now.AddSeconds(options.Value.LeaseSeconds), ct);
        }

        if (jobId is null)
        {
            return false;
        }

        await RunAsync(jobId, ct);
        return true;
    }

    private async Task RunAsync(string jobId, CancellationToken ct)
    {
        var settings = options.Value;
        ImportJob job;
        await using (var scope = scopes.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<InventoryDbContext>().ImportJobs.IgnoreQueryFilters().AsNoTracking().FirstAsync(j => j.Id == jobId, ct);
        }

        try
        {
            if (job.Attempts > settings.MaxAttempts)
            {
                await FinishAsync(job, ImportStatuses.Failed, "Gave up after repeated failures", ct);
                return;
            }

            if (job.FileName is null)
            {
                if (await FetchAsync(job, ct) is not { } fetched)
                {
                    return;
                }

                job = fetched;
            }

            var path = Path.Combine(settings.ResolveDirectory(), job.FileName ?? throw new InvalidOperationException("Import without a file"));
            var mapping = await MappingAsync(job, ct);
            if (job.Status == ImportStatuses.Validating && !await ValidateAsync(job, path, mapping, ct))
            {
                DeleteFile(job);
                return;
            }

            await ApplyAsync(job, path, mapping, ct);
            DeleteFile(job);
        }
        catch (MalformedImportFileException e)
        {
            await RecordErrorsAsync(job, [(e.Row, $"row_{e.Row}", new ImportRowError(ImportErrorTypes.MalformedFile, e.Message, null, null))], ct);
            await FinishAsync(job, ImportStatuses.Failed, e.Message, ct);
            DeleteFile(job);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Import {ImportId} attempt {Attempt} failed", job.Id, job.Attempts);
            if (job.Attempts >= settings.MaxAttempts)
            {
                await FinishAsync(job, ImportStatuses.Failed, "The import could not be processed", CancellationToken.None, systemError: true);
                DeleteFile(job);
            }
            else
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<InventoryDbContext>().ImportJobs.IgnoreQueryFilters()
                    .Where(j => j.Id == job.Id && j.LeaseOwner == InstanceId)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, clock.GetUtcNow().UtcDateTime.AddSeconds(5)), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Phase 0 of a URL import: the file is fetched (through <see cref="IImportSourceFetcher"/>) to the import directory, decoded
    /// when it is gzip or an encrypted export (<see cref="ImportSourceDecoder"/>), and the job records it; the credential and the
    /// decryption key are erased. Returns null when the job ended here (the source could not be fetched or decoded).
    /// </summary>
    private async Task<ImportJob?> FetchAsync(ImportJob job, CancellationToken ct)
    {
        var settings = options.Value;
        var directory = settings.ResolveDirectory();
        Directory.CreateDirectory(directory);
        var fileName = $"{job.Id}.download";
        var path = Path.Combine(directory, fileName);
        FetchedImportSource fetched;
        byte[]? key;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var protector = scope.ServiceProvider.GetRequiredService<Integrations.CredentialProtector>();
            var credentials = protector.Unprotect(job.SourceCredentials, job.Id);
            var fetcher = scope.ServiceProvider.GetRequiredService<IImportSourceFetcher>();
            var url = new Uri(job.DataUrl ?? throw new InvalidOperationException("Import without a file or a data_url"));
            logger.LogInformation("Import {ImportId} fetching its file from {SourceHost}", job.Id, url.IdnHost);
            try
            {
                fetched = await fetcher.FetchAsync(new ImportSourceRequest(url, credentials.ApiKeyHeader, credentials.ApiKey, credentials.ExtraHeaders), path, ct);
                if (fetched.Size == 0)
                {
                    throw new ImportSourceException("The source answered with an empty file");
                }
            }
            catch (ImportSourceException e)
            {
                File.Delete(path);
                await RecordErrorsAsync(job, [(0, "source", new ImportRowError(ImportErrorTypes.SourceUnavailable, e.Message, "data_url", null))], ct);
                await FinishAsync(job, ImportStatuses.Failed, e.Message, ct);
                return null;
            }

            key = job.SourceDecryptionKey is { } stored ? protector.UnprotectBytes(stored, ImportService.DecryptionKeyBinding(job.Id)) : null;
        }

        DecodedImportSource? decoded;
        var decodedName = $"{job.Id}.data";
        try
        {
            decoded = await ImportSourceDecoder.DecodeAsync(path, Path.Combine(directory, decodedName), fetched.MediaType, key, settings.UrlMaxBytes, ct);
            if (decoded is { Size: 0 })
            {
                File.Delete(Path.Combine(directory, decodedName));
                throw new ImportDecodeException(ImportErrorTypes.MalformedFile, null, $"The file is empty once decoded ({decoded.Encoding})");
            }
        }
        catch (ImportDecodeException e)
        {
            File.Delete(path);
            await RecordErrorsAsync(job, [(0, "source", new ImportRowError(e.ErrorType, e.Message, e.Field, null))], ct);
            await FinishAsync(job, ImportStatuses.Failed, e.Message, ct);
            return null;
        }
        finally
        {
            if (key is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        }

        if (decoded is not null)
        {
            File.Delete(path);
            fileName = decodedName;
        }

        var format = job.Format != ImportFormats.Auto ? job.Format
            : decoded is not null ? decoded.SniffedFormat ?? ImportFormats.Csv
            : fetched.MediaType is { } media && (media.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)) ? ImportFormats.Json
            : ImportFormats.Csv;
        var encoding = decoded?.Encoding ?? ImportSourceDecoder.Plain;
        await ProgressAsync(job.Id, s => s
            .SetProperty(j => j.FileName, fileName)
            .SetProperty(j => j.FileSize, fetched.Size)
            .SetProperty(j => j.FileSha256, fetched.Sha256)
            .SetProperty(j => j.Format, format)
            .SetProperty(j => j.SourceEncoding, encoding)
            .SetProperty(j => j.SourceCredentials, (byte[]?)null)
            .SetProperty(j => j.SourceDecryptionKey, (byte[]?)null), ct);
        logger.LogInformation(
            "Import {ImportId} fetched {FileSize} bytes ({SourceEncoding}, {DecodedSize} bytes decoded) of {Format}",
            job.Id, fetched.Size, encoding, decoded?.Size ?? fetched.Size, format);
        await using var read = scopes.CreateAsyncScope();
        return await read.ServiceProvider.GetRequiredService<InventoryDbContext>().ImportJobs.IgnoreQueryFilters().AsNoTracking().FirstAsync(j => j.Id == job.Id, ct);
    }

    /// <summary>
    /// Phase 1: every row checked, every error stored. Returns false when the job ends here. With error_handling=stop, checking
    /// stops at the first failing record (only its errors are stored, and the file is not read past it).
    /// </summary>
    private async Task<bool> ValidateAsync(ImportJob job, string path, IReadOnlyDictionary<string, string>? mapping, CancellationToken ct)
    {
        var chunkSize = options.Value.ChunkSize;
        var stop = job.ErrorHandling == ImportErrorHandling.Stop;
        long total = 0;
        long failed = 0;
        long duplicates = 0;
        string? stoppedAt = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var scope = TenantScope(job))
        {
            var checker = scope.ServiceProvider.GetRequiredService<ImportRowChecker>();
            await foreach (var chunk in Chunks(ImportFileReader.ReadAsync(path, job.Format, mapping, ct), chunkSize, ct))
            {
                var results = await checker.CheckAsync(job, chunk, seen, ct);
                var bad = results.Where(r => r.Errors.Count > 0).ToList();
                if (stop && bad.Count > 0)
                {
                    var first = bad.MinBy(r => r.Row.Number)!;
                    total += chunk.Count(r => r.Number <= first.Row.Number);
                    duplicates += results.Count(r => r.Row.Number < first.Row.Number && r.Plan is { Duplicate: true });
                    failed++;
                    await RecordErrorsAsync(job, first.Errors.Select(e => (first.Row.Number, first.Row.RecordId(job.ImportType), e)).ToList(), ct);
                    stoppedAt = $"record {first.Row.RecordId(job.ImportType)} (row {first.Row.Number}, {first.Errors[0].ErrorType}: {first.Errors[0].Message})";
                    break;
                }

                total += chunk.Count;
                duplicates += results.Count(r => r.Plan is { Duplicate: true });
                failed += bad.Count;
                await RecordErrorsAsync(job, bad.SelectMany(r => r.Errors.Select(e => (r.Row.Number, r.Row.RecordId(job.ImportType), e))).ToList(), ct);
                await ProgressAsync(job.Id, s => s
                    .SetProperty(j => j.TotalRecords, total)
                    .SetProperty(j => j.ValidationErrors, failed), ct);
            }
        }

        var strictFailure = job.ValidationMode == ImportValidationModes.Strict && failed > 0;
        var error = !strictFailure ? null
            : stoppedAt is not null ? $"Validation stopped at {stoppedAt} (error_handling=stop); strict mode applied nothing"
            : $"{failed} of {total} records failed validation; strict mode applied nothing";
        await ProgressAsync(job.Id, s => s
            .SetProperty(j => j.TotalRecords, total)
            .SetProperty(j => j.ValidationErrors, failed)
            .SetProperty(j => j.FailedRecords, strictFailure ? total : 0)
            .SetProperty(j => j.ProcessedRecords, strictFailure ? total : 0)
            .SetProperty(j => j.Status, strictFailure ? ImportStatuses.Failed : ImportStatuses.Processing)
            .SetProperty(j => j.CompletedAt, strictFailure ? clock.GetUtcNow().UtcDateTime : null)
            .SetProperty(j => j.Error, error), ct);
        logger.LogInformation(
            "Import {ImportId} validated {RecordCount} records, {FailedCount} failed, {DuplicateCount} duplicates, error handling {ErrorHandling}",
            job.Id, total, failed, duplicates, job.ErrorHandling);
        return !strictFailure;
    }

    /// <summary>Phase 2: apply the rows that passed, in chunks, resuming after <c>applied_through_row</c>.</summary>
    private async Task ApplyAsync(ImportJob job, string path, IReadOnlyDictionary<string, string>? mapping, CancellationToken ct)
    {
        await using var scope = TenantScope(job);
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var current = await db.ImportJobs.IgnoreQueryFilters().AsNoTracking().FirstAsync(j => j.Id == job.Id, ct);
        var failedRows = (await db.ImportErrors.IgnoreQueryFilters().Where(e => e.ImportId == job.Id).Select(e => e.RowNumber).Distinct().ToListAsync(ct)).ToHashSet();
        var state = new ApplyState(current);

        if (job.ValidationMode == ImportValidationModes.Strict)
        {
            try
            {
                await db.InTransactionAsync(() => ApplyRowsAsync(scope.ServiceProvider, job, path, mapping, failedRows, state, lenient: false, ct), ct);
            }
            catch (StrictImportRejectedException rejected)
            {
                await RecordErrorsAsync(job, [(rejected.Row.Number, rejected.Row.RecordId(job.ImportType), rejected.Error)], ct);
                await ProgressAsync(job.Id, s => s
                    .SetProperty(j => j.ProcessedRecords, current.TotalRecords)
                    .SetProperty(j => j.SuccessfulRecords, 0L)
                    .SetProperty(j => j.FailedRecords, current.TotalRecords)
                    .SetProperty(j => j.Status, ImportStatuses.Failed)
                    .SetProperty(j => j.CompletedAt, clock.GetUtcNow().UtcDateTime)
                    .SetProperty(j => j.Error, $"Record {rejected.Row.RecordId(job.ImportType)} was refused ({rejected.Error.ErrorType}); strict mode applied nothing"), ct);
                return;
            }
        }
        else
        {
            await ApplyRowsAsync(scope.ServiceProvider, job, path, mapping, failedRows, state, lenient: true, ct);
        }

        var stopError = state.StoppedAt is null ? null : await StopErrorAsync(db, job, state, ct);
        await ProgressAsync(job.Id, s => s
            .SetProperty(j => j.ProcessedRecords, state.Processed)
            .SetProperty(j => j.SuccessfulRecords, state.Successful)
            .SetProperty(j => j.FailedRecords, state.Failed)
            .SetProperty(j => j.DuplicateRecords, state.Duplicates)
            .SetProperty(j => j.AppliedThroughRow, state.ThroughRow)
            .SetProperty(j => j.Status, stopError is null ? ImportStatuses.Completed : ImportStatuses.Failed)
            .SetProperty(j => j.Error, stopError)
            .SetProperty(j => j.CompletedAt, clock.GetUtcNow().UtcDateTime), ct);
        if (stopError is not null)
        {
            logger.LogWarning("Import {ImportId} of organization {OrganizationId} stopped: {Error}", job.Id, job.OrganizationId, stopError);
            return;
        }

        logger.LogInformation(
            "Import {ImportId} of organization {OrganizationId} completed: {Successful} applied, {Failed} failed, {Duplicates} duplicates",
            job.Id, job.OrganizationId, state.Successful, state.Failed, state.Duplicates);
    }

    private async Task ApplyRowsAsync(
        IServiceProvider services, ImportJob job, string path, IReadOnlyDictionary<string, string>? mapping, HashSet<long> failedRows, ApplyState state, bool lenient, CancellationToken ct)
    {
        var db = services.GetRequiredService<InventoryDbContext>();
        var checker = services.GetRequiredService<ImportRowChecker>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = ImportFileReader.ReadAsync(path, job.Format, mapping, ct);
        var stop = lenient && job.ErrorHandling == ImportErrorHandling.Stop;
        // error_handling=stop: nothing at or after the first failing record applies (a validation failure, or one found below).
        var stopAt = stop && failedRows.Count > 0 ? failedRows.Min() : long.MaxValue;
        await foreach (var chunk in Chunks(rows, options.Value.ChunkSize, ct))
        {
            if (chunk[0].Number > stopAt || state.ThroughRow >= stopAt)
            {
                break;
            }

            var checkedRows = await checker.CheckAsync(job, chunk, seen, ct);
            if (chunk[^1].Number <= state.ThroughRow)
            {
                continue; // committed by an earlier attempt
            }

            if (stop)
            {
                stopAt = await ApplyUntilFailureAsync(services, job, chunk, checkedRows, failedRows, stopAt, state, ct);
                db.ChangeTracker.Clear();
                continue;
            }

            var fresh = checkedRows.Where(r => r.Row.Number > state.ThroughRow && !failedRows.Contains(r.Row.Number)).ToList();
            var late = fresh.Where(r => r.Plan is null).ToList();
            var plans = fresh.Where(r => r.Plan is not null).Select(r => r.Plan!).ToList();
            var skipped = plans.Where(p => IsSkippedDuplicate(job, p)).ToList();
            var toApply = plans.Except(skipped).ToList();
            if (!lenient && late.Count > 0)
            {
                throw new StrictImportRejectedException(late[0].Row, late[0].Errors[0]);
            }

            var chunkState = new ApplyState(state);
            chunkState.Processed += chunk.Count(r => r.Number > state.ThroughRow);
            chunkState.Failed += chunk.Count(r => r.Number > state.ThroughRow && failedRows.Contains(r.Number)) + late.Count;
            chunkState.Duplicates += skipped.Count;
            chunkState.ThroughRow = chunk[^1].Number;

            if (lenient)
            {
                await ApplyLenientChunkAsync(services, job, toApply, late, chunkState, ct);
            }
            else
            {
                try
                {
                    await ApplyPlansAsync(services, job, toApply, ct);
                }
                catch (DomainException e)
                {
                    throw new StrictImportRejectedException(RowOf(e, toApply), RowErrorOf(e));
                }

                chunkState.Successful += toApply.Count;
            }

            state.CopyFrom(chunkState);
            db.ChangeTracker.Clear();
            if (lenient)
            {
                continue;
            }

            await ProgressAsync(job.Id, s => s.SetProperty(j => j.ProcessedRecords, state.Processed), ct);
        }

        if (stopAt != long.MaxValue)
        {
            state.StoppedAt = stopAt;
        }
    }

    /// <summary>
    /// error_handling=stop (lenient): applies the chunk's records in file order up to the first failing one — a record that failed
    /// validation (<paramref name="stopAt"/>), one the checker refuses now, or one the ledger refuses — and nothing from there on.
    /// The records before it commit together with the progress (one by one when the ledger refused the chunk as a whole, so that
    /// the failing record is known). Returns the row to stop at (long.MaxValue while no record failed).
    /// </summary>
    private async Task<long> ApplyUntilFailureAsync(
        IServiceProvider services, ImportJob job, List<ImportRow> chunk, List<(ImportRow Row, ImportPlan? Plan, List<ImportRowError> Errors)> checkedRows,
        HashSet<long> failedRows, long stopAt, ApplyState state, CancellationToken ct)
    {
        var db = services.GetRequiredService<InventoryDbContext>();
        var fresh = checkedRows.Where(r => r.Row.Number > state.ThroughRow && r.Row.Number < stopAt && !failedRows.Contains(r.Row.Number)).OrderBy(r => r.Row.Number).ToList();
        (ImportRow Row, ImportRowError Error)? failure = null;
        if (fresh.FirstOrDefault(r => r.Plan is null) is { Row: not null } late)
        {
            failure = (late.Row, late.Errors[0]);
            stopAt = late.Row.Number;
        }

        var plans = fresh.Where(r => r.Row.Number < stopAt).Select(r => r.Plan!).ToList();
        var toApply = plans.Where(p => !IsSkippedDuplicate(job, p)).ToList();

        // The counters once the records through `through` are done, `applied` of them applied.
        ApplyState After(long through, int applied, bool failedAtThrough)
        {
            var next = new ApplyState(state);
            next.Processed += chunk.Count(r => r.Number > state.ThroughRow && r.Number <= through);
            next.Failed += chunk.Count(r => r.Number > state.ThroughRow && r.Number <= through && failedRows.Contains(r.Number)) + (failedAtThrough ? 1 : 0);
            next.Duplicates += plans.Count(p => p.Row.Number <= through && IsSkippedDuplicate(job, p));
            next.Successful += applied;
            next.ThroughRow = through;
            return next;
        }

        async Task CommitEndAsync(int applied)
        {
            var through = Math.Min(chunk[^1].Number, stopAt);
            var end = After(through, applied, failure is not null);
            await db.InTransactionAsync(async () =>
            {
                if (failure is { } f)
                {
                    await RecordErrorsInAsync(db, job, [(f.Row.Number, f.Row.RecordId(job.ImportType), f.Error)], ct);
                }

                await SaveProgressInAsync(db, job.Id, end, ct);
            }, ct);
            state.CopyFrom(end);
        }

        try
        {
            var end = After(Math.Min(chunk[^1].Number, stopAt), toApply.Count, failure is not null);
            await db.InTransactionAsync(async () =>
            {
                await ApplyPlansAsync(services, job, toApply, ct);
                if (failure is { } f)
                {
                    await RecordErrorsInAsync(db, job, [(f.Row.Number, f.Row.RecordId(job.ImportType), f.Error)], ct);
                }

                await SaveProgressInAsync(db, job.Id, end, ct);
            }, ct);
            state.CopyFrom(end);
            return stopAt;
        }
        catch (Exception e) when (e is DomainException or DbUpdateException)
        {
            db.ChangeTracker.Clear();
        }

        // Record by record, each committed with the progress through it, up to the first the ledger refuses.
        var applied = 0;
        foreach (var plan in toApply)
        {
            try
            {
                await db.InTransactionAsync(async () =>
                {
                    await ApplyPlansAsync(services, job, [plan], ct);
                    await SaveProgressInAsync(db, job.Id, After(plan.Row.Number, applied + 1, failedAtThrough: false), ct);
                }, ct);
                applied++;
            }
            catch (Exception e) when (e is DomainException or DbUpdateException)
            {
                db.ChangeTracker.Clear();
                failure = (plan.Row, RowErrorOf(e));
                stopAt = plan.Row.Number;
                break;
            }

            db.ChangeTracker.Clear();
        }

        await CommitEndAsync(applied);
        return stopAt;
    }

    /// <summary>Duplicates are skipped, except products under duplicate_handling=update that exist already (those are updated).</summary>
    private static bool IsSkippedDuplicate(ImportJob job, ImportPlan plan) =>
        plan.Duplicate && (plan.Transaction is not null || job.DuplicateHandling != ImportDuplicateHandling.Update || plan.ExistingProductId is null);

    /// <summary>The job's error when error_handling=stop stopped it: the first failing record, and what was applied before it.</summary>
    private static async Task<string> StopErrorAsync(InventoryDbContext db, ImportJob job, ApplyState state, CancellationToken ct)
    {
        var first = await db.ImportErrors.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.ImportId == job.Id && e.RowNumber == state.StoppedAt).OrderBy(e => e.Id).FirstOrDefaultAsync(ct);
        var what = first is null ? $"row {state.StoppedAt}" : $"record {first.RecordId} (row {first.RowNumber}, {first.ErrorType}: {first.ErrorMessage})";
        return $"Stopped at {what} (error_handling=stop); the {state.Successful} records applied before it stay applied, records after it were not processed";
    }

    /// <summary>The chunk and its progress commit together; when the chunk is refused as a whole, rows are tried one by one.</summary>
    private async Task ApplyLenientChunkAsync(IServiceProvider services, ImportJob job, List<ImportPlan> plans, List<(ImportRow Row, ImportPlan? Plan, List<ImportRowError> Errors)> late, ApplyState chunkState, CancellationToken ct)
    {
        var db = services.GetRequiredService<InventoryDbContext>();
        try
        {
            await db.InTransactionAsync(async () =>
            {
                await ApplyPlansAsync(services, job, plans, ct);
                await RecordErrorsInAsync(db, job, late.SelectMany(r => r.Errors.Select(e => (r.Row.Number, r.Row.RecordId(job.ImportType), e))).ToList(), ct);
                chunkState.Successful += plans.Count;
                await SaveProgressInAsync(db, job.Id, chunkState, ct);
            }, ct);
            return;
        }
        catch (Exception e) when (e is DomainException or DbUpdateException)
        {
            // Nothing of the chunk was committed (Successful is only counted after the apply succeeded).
            db.ChangeTracker.Clear();
        }

        var rejected = new List<(long, string, ImportRowError)>(late.SelectMany(r => r.Errors.Select(e => (r.Row.Number, r.Row.RecordId(job.ImportType), e))));
        foreach (var plan in plans)
        {
            try
            {
                await db.InTransactionAsync(() => ApplyPlansAsync(services, job, [plan], ct), ct);
                chunkState.Successful++;
            }
            catch (Exception e) when (e is DomainException or DbUpdateException)
            {
                chunkState.Failed++;
                rejected.Add((plan.Row.Number, plan.Row.RecordId(job.ImportType), RowErrorOf(e)));
            }

            db.ChangeTracker.Clear();
        }

        await db.InTransactionAsync(async () =>
        {
            await RecordErrorsInAsync(db, job, rejected, ct);
            await SaveProgressInAsync(db, job.Id, chunkState, ct);
        }, ct);
    }

    /// <summary>The row a batch failure names ("transactions[3].quantity.value"), or the chunk's first row.</summary>
    private static ImportRow RowOf(DomainException e, List<ImportPlan> plans)
    {
        var field = e.Details.TryGetValue("field", out var f) ? f?.ToString() : e.Details.Keys.FirstOrDefault();
        var match = field is null ? null : System.Text.RegularExpressions.Regex.Match(field, @"^transactions\[(\d+)\]");
        return match is { Success: true } && int.TryParse(match.Groups[1].Value, out var index) && index < plans.Count ? plans[index].Row : plans[0].Row;
    }

    private async Task ApplyPlansAsync(IServiceProvider services, ImportJob job, List<ImportPlan> plans, CancellationToken ct)
    {
        if (plans.Count == 0)
        {
            return;
        }

        var db = services.GetRequiredService<InventoryDbContext>();
        if (job.ImportType == ImportTypes.Products)
        {
            var products = services.GetRequiredService<ProductService>();
            foreach (var plan in plans)
            {
                if (plan.ExistingProductId is { } id)
                {
                    await products.UpdateAsync(id, plan.Product!, expectedVersion: null, ct);
                }
                else
                {
                    await products.CreateAsync(plan.Product!, ct);
                }
            }

            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var plan in plans.Where(p => p.Row.Get("transaction_id") is not null))
        {
            db.ImportedRecordKeys.Add(new ImportedRecordKey
            {
                OrganizationId = job.OrganizationId,
                ImportType = job.ImportType,
                RecordKey = plan.Row.Get("transaction_id")!,
                ImportId = job.Id,
                CreatedAt = now,
            });
        }

        // The ledger saves the keys with its rows; a key imported concurrently by another job fails the unique index.
        await services.GetRequiredService<LedgerService>().PostManyAsync(plans.Select(p => p.Transaction!).ToList(), batch: true, ct);
    }

    private static ImportRowError RowErrorOf(Exception e) => e switch
    {
        InsufficientStockException s => new ImportRowError(ImportErrorTypes.InsufficientStock, s.Message, "quantity", null),
        DomainException d => new ImportRowError(ImportErrorTypes.Rejected, d.Message, d.Details.TryGetValue("field", out var f) ? ImportRowChecker.FlatField(f?.ToString() ?? "") : null, null),
        _ => new ImportRowError(ImportErrorTypes.DuplicateRecord, "The record was imported concurrently by another import", "transaction_id", null),
    };

    private AsyncServiceScope TenantScope(ImportJob job)
    {
        var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(job.OrganizationId, job.BranchId, job.BranchIsolated);
        return scope;
    }

    private async Task<IReadOnlyDictionary<string, string>?> MappingAsync(ImportJob job, CancellationToken ct)
    {
        if (job.MappingId is null)
        {
            return null;
        }

        await using var scope = TenantScope(job);
        var mapping = await scope.ServiceProvider.GetRequiredService<InventoryDbContext>().ImportMappings.AsNoTracking().FirstOrDefaultAsync(m => m.Id == job.MappingId, ct);
        return mapping?.Columns ?? throw new MalformedImportFileException($"Mapping {job.MappingId} no longer exists", 0);
    }

    private async Task RecordErrorsAsync(ImportJob job, List<(long Row, string RecordId, ImportRowError Error)> errors, CancellationToken ct)
    {
        if (errors.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        await RecordErrorsInAsync(db, job, errors, ct);
    }

    private static async Task RecordErrorsInAsync(InventoryDbContext db, ImportJob job, List<(long Row, string RecordId, ImportRowError Error)> errors, CancellationToken ct)
    {
        if (errors.Count == 0)
        {
            return;
        }

        db.ImportErrors.AddRange(errors.Select(e => new ImportError
        {
            ImportId = job.Id,
            OrganizationId = job.OrganizationId,
            RowNumber = e.Row,
            RecordId = Truncate(e.RecordId, 200)!,
            ErrorType = e.Error.ErrorType,
            ErrorMessage = Truncate(e.Error.Message, 1000)!,
            Field = Truncate(e.Error.Field, 100),
            Value = Truncate(e.Error.Value, 500),
        }));
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
    }

    private async Task SaveProgressInAsync(InventoryDbContext db, string jobId, ApplyState state, CancellationToken ct)
    {
        var until = clock.GetUtcNow().UtcDateTime.AddSeconds(options.Value.LeaseSeconds);
        var updated = await db.ImportJobs.IgnoreQueryFilters()
            .Where(j => j.Id == jobId && j.LeaseOwner == InstanceId)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.ProcessedRecords, state.Processed)
                .SetProperty(j => j.SuccessfulRecords, state.Successful)
                .SetProperty(j => j.FailedRecords, state.Failed)
                .SetProperty(j => j.DuplicateRecords, state.Duplicates)
                .SetProperty(j => j.AppliedThroughRow, state.ThroughRow)
                .SetProperty(j => j.LeaseExpiresAt, until)
                .SetProperty(j => j.UpdatedAt, clock.GetUtcNow().UtcDateTime), ct);
        if (updated == 0)
        {
            // Rolls the chunk back: another instance owns the job now.
            throw new InvalidOperationException($"Lease on import {jobId} was lost");
        }
    }

    private async Task ProgressAsync(string jobId, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<ImportJob>> set, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(options.Value.LeaseSeconds);
        var updated = await db.ImportJobs.IgnoreQueryFilters()
            .Where(j => j.Id == jobId && j.LeaseOwner == InstanceId)
            .ExecuteUpdateAsync(s =>
            {
                set(s);
                s.SetProperty(j => j.LeaseExpiresAt, until).SetProperty(j => j.UpdatedAt, now);
            }, ct);
        if (updated == 0)
        {
            throw new InvalidOperationException($"Lease on import {jobId} was lost");
        }
    }

    private async Task FinishAsync(ImportJob job, string status, string error, CancellationToken ct, bool systemError = false)
    {
        await using var scope = scopes.CreateAsyncScope();
        var now = clock.GetUtcNow().UtcDateTime;
        await scope.ServiceProvider.GetRequiredService<InventoryDbContext>().ImportJobs.IgnoreQueryFilters().Where(j => j.Id == job.Id)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, status)
                .SetProperty(j => j.Error, error)
                .SetProperty(j => j.SystemErrors, j => j.SystemErrors + (systemError ? 1 : 0))
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.SourceCredentials, (byte[]?)null)
                .SetProperty(j => j.SourceDecryptionKey, (byte[]?)null)
                .SetProperty(j => j.UpdatedAt, now), ct);
        logger.LogWarning("Import {ImportId} of organization {OrganizationId} ended {Status}: {Error}", job.Id, job.OrganizationId, status, error);
    }

    private static async IAsyncEnumerable<List<ImportRow>> Chunks(IAsyncEnumerable<ImportRow> rows, int size, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var chunk = new List<ImportRow>(size);
        await foreach (var row in rows.WithCancellation(ct))
        {
            chunk.Add(row);
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk = new List<ImportRow>(size);
            }
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    /// <summary>The uploaded file is needed only until the job ends; its errors stay in import_errors.</summary>
    private void DeleteFile(ImportJob job)
    {
        if (job.FileName is not null)
        {
            File.Delete(Path.Combine(options.Value.ResolveDirectory(), job.FileName));
        }
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];

    private sealed class ApplyState
    {
        public ApplyState(ImportJob job)
        {
            Processed = job.ProcessedRecords;
            Successful = job.SuccessfulRecords;
            Failed = job.FailedRecords;
            Duplicates = job.DuplicateRecords;
            ThroughRow = job.AppliedThroughRow;
        }

        public ApplyState(ApplyState other) => CopyFrom(other);

        public long Processed { get; set; }

        public long Successful { get; set; }

        public long Failed { get; set; }

        public long Duplicates { get; set; }

        public long ThroughRow { get; set; }

        /// <summary>error_handling=stop: the row of the record the job stopped at (not copied between chunk states).</summary>
        public long? StoppedAt { get; set; }

        public void CopyFrom(ApplyState other)
        {
            Processed = other.Processed;
            Successful = other.Successful;
            Failed = other.Failed;
            Duplicates = other.Duplicates;
            ThroughRow = other.ThroughRow;
        }
    }

    private sealed class StrictImportRejectedException(ImportRow row, ImportRowError error) : Exception(error.Message)
    {
        public ImportRow Row { get; } = row;

        public ImportRowError Error { get; } = error;
    }
}
