using FluentValidation;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Outbound;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>The body of POST /v1/integrations/erp/imports: an import whose file the worker fetches from <c>data_url</c>.</summary>
public sealed record CreateUrlImportRequest
{
    /// <summary>products, transactions (default) or counts; financial_data (the spec's ERP name) is transactions.</summary>
    public string? ImportType { get; init; }

    /// <summary>Your name for the system the data comes from; echoed in the status.</summary>
    public string? SourceSystem { get; init; }

    /// <summary>An absolute https URL on a public address; fetched by the worker, never on the request thread.</summary>
    public string? DataUrl { get; init; }

    /// <summary>csv, json, or auto (default): json when the response's Content-Type says JSON, else csv.</summary>
    public string? Format { get; init; }

    public string? MappingId { get; init; }

    /// <summary>A credential sent with the fetch; stored encrypted and erased once the file is fetched.</summary>
    public UrlImportAuthentication? Authentication { get; init; }

    public UrlImportProcessingOptions? ProcessingOptions { get; init; }

    public static CreateUrlImportRequest Example => new()
    {
        ImportType = UrlImportTypes.FinancialData,
        SourceSystem = "inventory_management",
        DataUrl = "https://erp.example.com/exports/exp_def456/download",
        Authentication = new UrlImportAuthentication { Type = UrlImportAuthentication.ApiKey, Key = "erp_import_key_stu901" },
        ProcessingOptions = new UrlImportProcessingOptions { ValidationMode = ImportValidationModes.Strict, DuplicateHandling = ImportDuplicateHandling.Skip, ErrorHandling = "continue" },
    };

    /// <summary>The import type as the job stores it.</summary>
    public string ResolvedImportType => ImportType is null or UrlImportTypes.FinancialData ? ImportTypes.Transactions : ImportType;

    /// <summary>validation_mode when given; else error_handling stop → strict, continue → lenient; else strict.</summary>
    public string ResolvedValidationMode => ProcessingOptions?.ValidationMode
        ?? (ProcessingOptions?.ErrorHandling == "continue" ? ImportValidationModes.Lenient : ImportValidationModes.Strict);
}

public sealed record UrlImportAuthentication
{
    public const string None = "none";
    public const string ApiKey = "api_key";
    public const string Bearer = "bearer";
    public const string DefaultHeader = "X-API-Key";

    /// <summary>none, api_key (the key in <c>header</c>, X-API-Key by default) or bearer (Authorization: Bearer key).</summary>
    public string? Type { get; init; }

    public string? Key { get; init; }

    /// <summary>api_key only: the header that carries the key.</summary>
    public string? Header { get; init; }
}

public sealed record UrlImportProcessingOptions
{
    /// <summary>strict: nothing applies if any row fails. lenient: good rows apply, bad rows are reported.</summary>
    public string? ValidationMode { get; init; }

    public string? DuplicateHandling { get; init; }

    /// <summary>continue or stop; decides validation_mode when that is not given (continue → lenient, stop → strict).</summary>
    public string? ErrorHandling { get; init; }
}

public static class UrlImportTypes
{
    public const string FinancialData = "financial_data";

    public static readonly IReadOnlyList<string> All = [.. ImportTypes.All, FinancialData];
}

public sealed class CreateUrlImportRequestValidator : AbstractValidator<CreateUrlImportRequest>
{
    private static readonly string[] ReservedHeaders = ["host", "content-length", "content-type", "transfer-encoding", "connection", "te", "upgrade", "cookie", "expect"];

    public CreateUrlImportRequestValidator(OutboundUrlGuard guard, IOptions<OutboundOptions> outbound)
    {
        var policy = outbound.Value.Policy;
        RuleFor(r => r.DataUrl).CustomAsync(async (url, context, ct) =>
        {
            if (await guard.CheckAsync(url, policy, ct) is { } problem)
            {
                context.AddFailure(problem);
            }
        });
        RuleFor(r => r.ImportType).Must(v => v is null || UrlImportTypes.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", UrlImportTypes.All)}");
        RuleFor(r => r.Format).Must(v => v is null || v == ImportFormats.Auto || ImportFormats.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportFormats.All)}, {ImportFormats.Auto}");
        RuleFor(r => r.SourceSystem).MaximumLength(100);
        RuleFor(r => r.MappingId).MaximumLength(64);
        When(r => r.ProcessingOptions is not null, () =>
        {
            RuleFor(r => r.ProcessingOptions!.ValidationMode).Must(v => v is null || ImportValidationModes.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportValidationModes.All)}");
            RuleFor(r => r.ProcessingOptions!.DuplicateHandling).Must(v => v is null || ImportDuplicateHandling.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportDuplicateHandling.All)}");
            RuleFor(r => r.ProcessingOptions!.ErrorHandling).Must(v => v is null or "continue" or "stop").WithMessage("Must be one of: continue, stop");
        });
        When(r => r.Authentication is not null, () =>
        {
            RuleFor(r => r.Authentication!.Type).NotEmpty()
                .Must(v => v is null or UrlImportAuthentication.None or UrlImportAuthentication.ApiKey or UrlImportAuthentication.Bearer)
                .WithMessage($"Must be one of: {UrlImportAuthentication.None}, {UrlImportAuthentication.ApiKey}, {UrlImportAuthentication.Bearer}");
            RuleFor(r => r.Authentication!.Key).NotEmpty().MaximumLength(4096).Must(k => k is null || !k.Any(char.IsControl)).WithMessage("Must not contain control characters")
                .When(r => r.Authentication!.Type is UrlImportAuthentication.ApiKey or UrlImportAuthentication.Bearer);
            RuleFor(r => r.Authentication!.Header)
                .Must(h => h is null || (h.Length is > 0 and <= 100 && h.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !ReservedHeaders.Contains(h.ToLowerInvariant())))
                .WithMessage("Must be a header name of letters, digits and '-', and not one HTTP itself manages");
        });
    }
}

/// <summary>The status of a URL import in the spec's shape (GET /v1/integrations/erp/imports/{id}/status).</summary>
public sealed record UrlImportResponse
{
    public const string BasePath = "/v1/integrations/erp/imports";

    public string ImportId { get; init; } = "";

    /// <summary>processing (fetching, validating or applying; see <see cref="Phase"/>), completed or failed.</summary>
    public string Status { get; init; } = "";

    /// <summary>fetching, validating, applying, or done.</summary>
    public string Phase { get; init; } = "";

    public string ImportType { get; init; } = "";

    public string? SourceSystem { get; init; }

    public string Format { get; init; } = "";

    public string ValidationMode { get; init; } = "";

    public string DuplicateHandling { get; init; } = "";

    public ImportProgress Progress { get; init; } = new(0, 0, 0, 0);

    public ImportErrorSummary ErrorSummary { get; init; } = new(0, 0, 0);

    public DateTime? EstimatedCompletion { get; init; }

    public DateTime? CompletionTime { get; init; }

    /// <summary>Why a failed import failed (for example the source's answer).</summary>
    public string? Error { get; init; }

    public string ValidationUrl { get; init; } = "";

    public string ErrorReportUrl { get; init; } = "";

    /// <summary>Bytes fetched (0 until the file is fetched).</summary>
    public long FileSize { get; init; }

    public string? FileSha256 { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public static UrlImportResponse From(ImportJob job, DateTime now)
    {
        var common = ImportResponse.From(job, now);
        var active = ImportStatuses.IsActive(job.Status);
        return new UrlImportResponse
        {
            ImportId = job.Id,
            Status = active ? ImportStatuses.Processing : job.Status,
            Phase = !active ? "done" : job.FileName is null ? "fetching" : job.Status == ImportStatuses.Validating ? "validating" : "applying",
            ImportType = job.ImportType,
            SourceSystem = job.SourceSystem,
            Format = job.Format,
            ValidationMode = job.ValidationMode,
            DuplicateHandling = job.DuplicateHandling,
            Progress = common.Progress,
            ErrorSummary = common.ErrorSummary,
            EstimatedCompletion = common.EstimatedCompletion,
            CompletionTime = job.CompletedAt,
            Error = job.Error,
            ValidationUrl = common.ValidationUrl,
            ErrorReportUrl = $"{BasePath}/{job.Id}/errors",
            FileSize = job.FileSize,
            FileSha256 = job.FileSha256,
            CreatedAt = job.CreatedAt,
            UpdatedAt = job.UpdatedAt,
        };
    }
}

/// <summary>What the worker asks of the fetcher: GET <see cref="Url"/> (with one credential header) into a file.</summary>
public sealed record ImportSourceRequest(Uri Url, string? HeaderName, string? HeaderValue);

/// <summary>The fetched file: its size, SHA-256 and the response's media type.</summary>
public sealed record FetchedImportSource(long Size, string Sha256, string? MediaType);

/// <summary>A fetch that failed for good (after the pipeline's retries); the message is the job's error, fit for the caller.</summary>
public sealed class ImportSourceException(string message) : Exception(message);

/// <summary>
/// Fetches an import's data_url into a local file. Implemented in the API host over a named HttpClient whose handler is the
/// outbound guard's (address checked at connect time), inside a Polly pipeline with a timeout and bounded retries.
/// </summary>
public interface IImportSourceFetcher
{
    /// <exception cref="ImportSourceException">The source could not be fetched (refused address, HTTP error, too large, timeout).</exception>
    Task<FetchedImportSource> FetchAsync(ImportSourceRequest request, string path, CancellationToken ct);
}
