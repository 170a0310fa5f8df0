using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>POST /v1/inventory/exports; GET /v1/inventory/export takes the same fields as query parameters.</summary>
public sealed record CreateExportRequest
{
    /// <summary>json (default), csv or ndjson.</summary>
    public string? Format { get; init; }

    /// <summary>transactions (default; filtered by created_at), balances (current stock), products (filtered by updated_at).</summary>
    public string? DataType { get; init; }

    /// <summary>A date (inclusive) or an ISO 8601 date-time.</summary>
    public string? StartDate { get; init; }

    /// <summary>A date (inclusive) or an ISO 8601 date-time (exclusive).</summary>
    public string? EndDate { get; init; }

    /// <summary>none (default) or gzip.</summary>
    public string? Compression { get; init; }

    /// <summary>none (default) or aes256: AES-256-GCM with a key shown once in this response.</summary>
    public string? Encryption { get; init; }

    /// <summary>Days the file stays downloadable (default 30).</summary>
    public int? RetentionDays { get; init; }

    public static CreateExportRequest Example => new()
    {
        Format = ExportFormats.Csv,
        DataType = ExportDataTypes.Transactions,
        StartDate = "2025-01-28",
        EndDate = "2025-01-28",
        Compression = ExportCompressions.Gzip,
        Encryption = ExportEncryptions.None,
        RetentionDays = 30,
    };
}

public sealed class CreateExportRequestValidator : AbstractValidator<CreateExportRequest>
{
    public CreateExportRequestValidator()
    {
        RuleFor(r => r.Format).Must(f => f is null || ExportFormats.All.Contains(f))
            .WithMessage($"Must be one of: {string.Join(", ", ExportFormats.All)}");
        RuleFor(r => r.DataType).Must(f => f is null || ExportDataTypes.All.Contains(f))
            .WithMessage($"Must be one of: {string.Join(", ", ExportDataTypes.All)}");
        RuleFor(r => r.Compression).Must(f => f is null || ExportCompressions.All.Contains(f))
            .WithMessage($"Must be one of: {string.Join(", ", ExportCompressions.All)}");
        RuleFor(r => r.Encryption).Must(f => f is null || ExportEncryptions.All.Contains(f))
            .WithMessage($"Must be one of: {string.Join(", ", ExportEncryptions.All)}");
        RuleFor(r => r.RetentionDays).InclusiveBetween(1, 3650);
        RuleFor(r => r.StartDate).MaximumLength(64);
        RuleFor(r => r.EndDate).MaximumLength(64);
    }
}

public sealed record ExportProgress(long ProcessedRecords, long? TotalRecords, int Percent);

public sealed record ExportResponse
{
    public string ExportId { get; init; } = "";

    public string Status { get; init; } = "";

    public string DataType { get; init; } = "";

    public string Format { get; init; } = "";

    public string Compression { get; init; } = "";

    public string Encryption { get; init; } = "";

    public DateTime? StartDate { get; init; }

    public DateTime? EndDate { get; init; }

    /// <summary>Null until the file is ready.</summary>
    public string? DownloadUrl { get; init; }

    public DateTime? EstimatedCompletion { get; init; }

    public ExportProgress Progress { get; init; } = new(0, null, 0);

    public long? RecordCount { get; init; }

    public long? FileSize { get; init; }

    /// <summary>SHA-256 (hex) of the file as downloaded.</summary>
    public string? Checksum { get; init; }

    public int RetentionDays { get; init; }

    public string? ScheduleId { get; init; }

    public string? Error { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? CompletedAt { get; init; }

    public DateTime? ExpiresAt { get; init; }

    /// <summary>Base64 AES-256 key; present only in the response that created an encrypted export, never again.</summary>
    public string? EncryptionKey { get; init; }

    public static string DownloadPath(string id) => $"/v1/exports/{id}/download";

    public static ExportResponse From(ExportJob job, DateTime now, byte[]? keyShownOnce = null)
    {
        var percent = job.Status == ExportStatuses.Completed ? 100
            : job.RecordCount is > 0 ? (int)Math.Min(99, job.ProcessedRecords * 100 / job.RecordCount.Value) : 0;
        return new ExportResponse
        {
            ExportId = job.Id,
            Status = job.Status,
            DataType = job.DataType,
            Format = job.Format,
            Compression = job.Compression,
            Encryption = job.Encrypted ? ExportEncryptions.Aes256 : ExportEncryptions.None,
            StartDate = job.StartDate,
            EndDate = job.EndDate,
            DownloadUrl = job.Status == ExportStatuses.Completed ? DownloadPath(job.Id) : null,
            EstimatedCompletion = job.Status == ExportStatuses.Processing ? Estimate(job, now) : null,
            Progress = new ExportProgress(job.ProcessedRecords, job.RecordCount, percent),
            RecordCount = job.Status == ExportStatuses.Completed ? job.RecordCount : null,
            FileSize = job.FileSize,
            Checksum = job.Sha256,
            RetentionDays = job.RetentionDays,
            ScheduleId = job.ScheduleId,
            Error = job.Error,
            CreatedAt = job.CreatedAt,
            CompletedAt = job.CompletedAt,
            ExpiresAt = job.ExpiresAt,
            EncryptionKey = keyShownOnce is null ? null : Convert.ToBase64String(keyShownOnce),
        };
    }

    /// <summary>From the rate so far once the job runs; a short fixed guess before a worker has picked it up.</summary>
    private static DateTime Estimate(ExportJob job, DateTime now)
    {
        if (job.RecordCount is > 0 && job.ProcessedRecords > 0 && job.UpdatedAt > job.CreatedAt)
        {
            var elapsed = job.UpdatedAt - job.CreatedAt;
            var remaining = TimeSpan.FromTicks(elapsed.Ticks * (job.RecordCount.Value - job.ProcessedRecords) / job.ProcessedRecords);
            return (now > job.UpdatedAt ? now : job.UpdatedAt) + remaining;
        }

        return now.AddSeconds(30);
    }
}

/// <summary>What the download endpoint streams.</summary>
public sealed record ExportFile(string Path, string ContentType, string FileName, long Length, string? Sha256);
