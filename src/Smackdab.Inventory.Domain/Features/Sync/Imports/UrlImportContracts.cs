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

    /// <summary>
    /// The base64 AES-256 key of an encrypted Smackdab export: the <c>encryption_key</c> its export (or schedule) showed once.
    /// Needed only when the fetched file is encrypted. Stored encrypted until the file is decoded, then erased; never returned
    /// or logged. A wrong key fails the import with DECRYPTION_FAILED and applies nothing.
    /// </summary>
    public string? EncryptionKey { get; init; }

    public static CreateUrlImportRequest Example => new()
    {
        ImportType = UrlImportTypes.FinancialData,
        SourceSystem = "inventory_management",
        DataUrl = "https://api.inventory.smackdab.com/v1/exports/exp_def456/download",
        Authentication = new UrlImportAuthentication
        {
            Type = UrlImportAuthentication.ApiKey,
            Key = "erp_import_key_stu901",
            Headers = new Dictionary<string, string> { ["X-Organization-ID"] = "org_abc123" },
        },
        EncryptionKey = "q2b7VwqQm0f3mJ4xk8cVY1l6oQe9R3tTzN5uH2aWc0E=",
        ProcessingOptions = new UrlImportProcessingOptions { ValidationMode = ImportValidationModes.Strict, DuplicateHandling = ImportDuplicateHandling.Skip, ErrorHandling = ImportErrorHandling.Continue },
    };

    /// <summary>The import type as the job stores it.</summary>
    public string ResolvedImportType => ImportType is null or UrlImportTypes.FinancialData ? ImportTypes.Transactions : ImportType;

    /// <summary>validation_mode when given; else lenient when error_handling is given, else strict.</summary>
    public string ResolvedValidationMode => ImportRequest.ResolveValidationMode(ProcessingOptions?.ValidationMode, ProcessingOptions?.ErrorHandling);
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

    /// <summary>
    /// Further headers sent with the fetch (at most 10), stored encrypted with the key: for example
    /// <c>{"X-Organization-ID": "org_…"}</c> when <c>data_url</c> is another Smackdab organization's export download.
    /// </summary>
    public Dictionary<string, string>? Headers { get; init; }
}

public sealed record UrlImportProcessingOptions
{
    /// <summary>strict: nothing applies if any row fails. lenient: good rows apply, bad rows are reported.</summary>
    public string? ValidationMode { get; init; }

    public string? DuplicateHandling { get; init; }

    /// <summary>
    /// continue (default): go past a failing record, reporting it. stop: stop at the first failing record (lenient: the records
    /// before it stay applied and the job fails; strict: validation stops there and nothing applies). Given without
    /// validation_mode, the mode is lenient. The full table is in docs/imports.md.
    /// </summary>
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
            RuleFor(r => r.ProcessingOptions!.ErrorHandling).Must(v => v is null || ImportErrorHandling.All.Contains(v)).WithMessage($"Must be one of: {string.Join(", ", ImportErrorHandling.All)}");
        });
        // The value is never echoed in the error: it is a secret even when malformed.
        RuleFor(r => r.EncryptionKey).Must(IsAes256Key).WithMessage("Must be the base64 of a 32-byte AES-256 key (the export's encryption_key)");
        When(r => r.Authentication is not null, () =>
        {
            RuleFor(r => r.Authentication!.Type).NotEmpty()
                .Must(v => v is null or UrlImportAuthentication.None or UrlImportAuthentication.ApiKey or UrlImportAuthentication.Bearer)
                .WithMessage($"Must be one of: {UrlImportAuthentication.None}, {UrlImportAuthentication.ApiKey}, {UrlImportAuthentication.Bearer}");
            RuleFor(r => r.Authentication!.Key).NotEmpty().MaximumLength(4096).Must(k => k is null || !k.Any(char.IsControl)).WithMessage("Must not contain control characters")
                .When(r => r.Authentication!.Type is UrlImportAuthentication.ApiKey or UrlImportAuthentication.Bearer);
            RuleFor(r => r.Authentication!.Header)
                .Must(IsHeaderName)
                .WithMessage("Must be a header name of letters, digits and '-', and not one HTTP itself manages");
            RuleFor(r => r.Authentication!.Headers)
                .Must(h => h is null || (h.Count <= 10 && h.Keys.All(IsHeaderName) && !h.Keys.Any(k => k.Equals("authorization", StringComparison.OrdinalIgnoreCase))))
                .WithMessage("At most 10 headers, each named with letters, digits and '-', not Authorization nor one HTTP itself manages")
                .Must(h => h is null || h.Values.All(v => v is not null && v.Length <= 1000 && !v.Any(char.IsControl)))
                .WithMessage("Header values must be at most 1000 characters without control characters");
        });
    }

    private static bool IsHeaderName(string? h) =>
        h is null || (h.Length is > 0 and <= 100 && h.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !ReservedHeaders.Contains(h.ToLowerInvariant()));

    private static bool IsAes256Key(string? key)
    {
        if (key is null)
        {
            return true;
        }

        Span<byte> buffer = stackalloc byte[48];
        return key.Length <= 64 && Convert.TryFromBase64String(key, buffer, out var written) && written == Exports.ExportCipher.KeyBytes;
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

    /// <summary>continue or stop: what the job does at a failing record.</summary>
    public string ErrorHandling { get; init; } = "";

    /// <summary>The layers removed from the fetched file before it was read: none, gzip, aes256 or aes256+gzip (null until fetched).</summary>
    public string? SourceEncoding { get; init; }

    public ImportProgress Progress { get; init; } = new(0, 0, 0, 0);

    public ImportErrorSummary ErrorSummary { get; init; } = new(0, 0, 0);

    public DateTime? EstimatedCompletion { get; init; }

    public DateTime? CompletionTime { get; init; }

    /// <summary>Why a failed import failed (for example the source's answer).</summary>
    public string? Error { get; init; }

    public string ValidationUrl { get; init; } = "";

    public string ErrorReportUrl { get; init; } = "";

    /// <summary>Bytes fetched, as downloaded (before decoding; 0 until the file is fetched).</summary>
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
            ErrorHandling = job.ErrorHandling,
            SourceEncoding = job.SourceEncoding,
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

/// <summary>What the worker asks of the fetcher: GET <see cref="Url"/> (with one credential header and any further headers) into a file.</summary>
public sealed record ImportSourceRequest(Uri Url, string? HeaderName, string? HeaderValue, IReadOnlyDictionary<string, string>? ExtraHeaders = null);

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
