using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>The form fields of POST /v1/inventory/import (besides <c>file</c>).</summary>
public sealed record ImportRequest
{
    /// <summary>csv (default) or json.</summary>
    public string? Format { get; init; }

    /// <summary>products, transactions (default) or counts.</summary>
    public string? ImportType { get; init; }

    /// <summary>A saved column mapping (map_…) for files whose headers differ from the field names.</summary>
    public string? MappingId { get; init; }

    /// <summary>strict (default): nothing applies if any row fails. lenient: good rows apply, bad rows are reported.</summary>
    public string? ValidationMode { get; init; }

    /// <summary>skip (default), update (products only) or fail, for rows already imported (by transaction_id) or existing (by sku).</summary>
    public string? DuplicateHandling { get; init; }

    /// <summary>continue (default) or stop at the first failing record; see <see cref="ImportErrorHandling"/> and docs/imports.md.</summary>
    public string? ErrorHandling { get; init; }

    /// <summary>validation_mode when given; else lenient when error_handling is given (it only means something then), else strict.</summary>
    public static string ResolveValidationMode(string? validationMode, string? errorHandling) =>
        validationMode ?? (errorHandling is null ? ImportValidationModes.Strict : ImportValidationModes.Lenient);
}

public sealed class ImportRequestValidator : AbstractValidator<ImportRequest>
{
    public ImportRequestValidator()
    {
        RuleFor(r => r.Format).Must(v => v is null || ImportFormats.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportFormats.All)}");
        RuleFor(r => r.ImportType).Must(v => v is null || ImportTypes.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportTypes.All)}");
        RuleFor(r => r.ValidationMode).Must(v => v is null || ImportValidationModes.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportValidationModes.All)}");
        RuleFor(r => r.DuplicateHandling).Must(v => v is null || ImportDuplicateHandling.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportDuplicateHandling.All)}");
        RuleFor(r => r.ErrorHandling).Must(v => v is null || ImportErrorHandling.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportErrorHandling.All)}");
        RuleFor(r => r.MappingId).MaximumLength(64);
    }
}

public sealed record ImportProgress(long TotalRecords, long ProcessedRecords, long SuccessfulRecords, long FailedRecords);

public sealed record ImportErrorSummary(long ValidationErrors, long DuplicateRecords, long SystemErrors);

public sealed record ImportResponse
{
    public string ImportId { get; init; } = "";

    public string Status { get; init; } = "";

    public string ImportType { get; init; } = "";

    public string Format { get; init; } = "";

    public string ValidationMode { get; init; } = "";

    public string DuplicateHandling { get; init; } = "";

    /// <summary>continue or stop: what the job does at a failing record.</summary>
    public string ErrorHandling { get; init; } = "";

    public string? MappingId { get; init; }

    public string Source { get; init; } = "";

    public string ValidationUrl { get; init; } = "";

    public string ErrorReportUrl { get; init; } = "";

    public ImportProgress Progress { get; init; } = new(0, 0, 0, 0);

    public ImportErrorSummary ErrorSummary { get; init; } = new(0, 0, 0);

    public DateTime? EstimatedCompletion { get; init; }

    public DateTime? CompletionTime { get; init; }

    public string? Error { get; init; }

    public long FileSize { get; init; }

    public string? FileSha256 { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public static ImportResponse From(ImportJob job, DateTime now, string basePath = "/v1/inventory/imports") => new()
    {
        ImportId = job.Id,
        Status = job.Status,
        ImportType = job.ImportType,
        Format = job.Format,
        ValidationMode = job.ValidationMode,
        DuplicateHandling = job.DuplicateHandling,
        ErrorHandling = job.ErrorHandling,
        MappingId = job.MappingId,
        Source = job.Source,
        ValidationUrl = $"{basePath}/{job.Id}/validation",
        ErrorReportUrl = $"{basePath}/{job.Id}/errors",
        Progress = new ImportProgress(job.TotalRecords, job.ProcessedRecords, job.SuccessfulRecords, job.FailedRecords),
        ErrorSummary = new ImportErrorSummary(job.ValidationErrors, job.DuplicateRecords, job.SystemErrors),
        EstimatedCompletion = ImportStatuses.IsActive(job.Status) ? Estimate(job, now) : null,
        CompletionTime = job.CompletedAt,
        Error = job.Error,
        FileSize = job.FileSize,
        FileSha256 = job.FileSha256,
        CreatedAt = job.CreatedAt,
        UpdatedAt = job.UpdatedAt,
    };

    private static DateTime Estimate(ImportJob job, DateTime now)
    {
        if (job.TotalRecords > 0 && job.ProcessedRecords > 0 && job.UpdatedAt > job.CreatedAt)
        {
            var elapsed = job.UpdatedAt - job.CreatedAt;
            return now + TimeSpan.FromTicks(elapsed.Ticks * Math.Max(0, job.TotalRecords - job.ProcessedRecords) / job.ProcessedRecords);
        }

        // Before a worker has measured anything: about 2,000 rows a second, a row per 100 bytes.
        return now.AddSeconds(5 + (job.FileSize / 100 / 2000));
    }
}

public sealed record ImportValidationSummary(long TotalValidations, long PassedValidations, long FailedValidations);

public sealed record ImportErrorResponse(string RecordId, long RowNumber, string ErrorType, string ErrorMessage, string? Field, string? Value);

public sealed record ImportValidationResponse(string ImportId, string Status, ImportValidationSummary ValidationSummary, IReadOnlyList<ImportErrorResponse> ValidationErrors);

public sealed record ImportMappingRequest
{
    public string? Name { get; init; }

    public string? ImportType { get; init; }

    /// <summary>Target field → the column (CSV header or JSON key) that holds it in your files.</summary>
    public Dictionary<string, string>? Columns { get; init; }

    public static ImportMappingRequest Example => new()
    {
        Name = "ERP item master",
        ImportType = ImportTypes.Products,
        Columns = new Dictionary<string, string> { ["sku"] = "Item Number", ["name"] = "Description", ["price"] = "List Price", ["currency"] = "Currency" },
    };
}

public sealed class ImportMappingRequestValidator : AbstractValidator<ImportMappingRequest>
{
    public ImportMappingRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.ImportType).NotEmpty().Must(v => v is null || ImportTypes.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportTypes.All)}");
        RuleFor(r => r.Columns).NotEmpty();
        RuleFor(r => r.Columns).Custom((columns, context) =>
        {
            var type = context.InstanceToValidate.ImportType;
            foreach (var (field, column) in columns ?? [])
            {
                if (type is not null && ImportTypes.All.Contains(type) && !ImportTypes.Fields(type).Contains(field))
                {
                    context.AddFailure(new FluentValidation.Results.ValidationFailure($"columns.{field}", $"Unknown field for {type}; allowed: {string.Join(", ", ImportTypes.Fields(type))}"));
                }

                if (string.IsNullOrWhiteSpace(column) || column.Length > 200)
                {
                    context.AddFailure(new FluentValidation.Results.ValidationFailure($"columns.{field}", "Must be a column name of 1 to 200 characters"));
                }
            }
        });
    }
}

public sealed record ImportMappingResponse(string Id, string Name, string ImportType, IReadOnlyDictionary<string, string> Columns, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ImportMappingResponse From(ImportMapping m) => new(m.Id, m.Name, m.ImportType, m.Columns, m.CreatedAt, m.UpdatedAt);
}
