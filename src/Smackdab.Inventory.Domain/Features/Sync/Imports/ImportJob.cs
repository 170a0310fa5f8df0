namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>
/// A bulk import: the uploaded (or fetched) file is kept on disk, validated row by row, then applied in chunks through the
/// same services as the API, by one worker instance holding the job's lease.
/// </summary>
public sealed class ImportJob : Common.ITenantOwned, Common.IBranchOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string? BranchId { get; set; }

    public bool BranchIsolated { get; set; }

    public string Status { get; set; } = ImportStatuses.Validating;

    public string ImportType { get; set; } = ImportTypes.Transactions;

    public string Format { get; set; } = ImportFormats.Csv;

    public string? MappingId { get; set; }

    public string ValidationMode { get; set; } = ImportValidationModes.Strict;

    public string DuplicateHandling { get; set; } = ImportDuplicateHandling.Skip;

    /// <summary>upload or erp (fetched from a data_url).</summary>
    public string Source { get; set; } = "upload";

    /// <summary>ERP imports: the URL the worker fetches the file from (null for uploads).</summary>
    public string? DataUrl { get; set; }

    /// <summary>ERP imports: the caller's name for the system the data comes from (source_system).</summary>
    public string? SourceSystem { get; set; }

    /// <summary>ERP imports: the credential sent with the fetch, AES-GCM encrypted; erased once the file is fetched.</summary>
    public byte[]? SourceCredentials { get; set; }

    /// <summary>
    /// ERP imports: the AES-256 key of an encrypted export (the request's encryption_key), encrypted with the integration
    /// credential key and bound to the job; erased together with <see cref="SourceCredentials"/>.
    /// </summary>
    public byte[]? SourceDecryptionKey { get; set; }

    /// <summary>ERP imports: the layers removed from the fetched file (none, gzip, aes256, aes256+gzip); null until fetched.</summary>
    public string? SourceEncoding { get; set; }

    /// <summary>continue (default) or stop: what the job does at a failing record (see docs/imports.md for the table with validation_mode).</summary>
    public string ErrorHandling { get; set; } = ImportErrorHandling.Continue;

    /// <summary>Null until the file is on disk (an ERP import before its fetch).</summary>
    public string? FileName { get; set; }

    public string? FileSha256 { get; set; }

    public long FileSize { get; set; }

    public long TotalRecords { get; set; }

    public long ProcessedRecords { get; set; }

    public long SuccessfulRecords { get; set; }

    public long FailedRecords { get; set; }

    public long DuplicateRecords { get; set; }

    public long ValidationErrors { get; set; }

    public long SystemErrors { get; set; }

    /// <summary>Lenient imports commit chunk by chunk; a job taken over by another instance resumes after this row.</summary>
    public long AppliedThroughRow { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public int Attempts { get; set; }

    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }
}

/// <summary>One rejected or skipped row of an import.</summary>
public sealed class ImportError : Common.ITenantOwned
{
    public long Id { get; set; }

    public string ImportId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>1-based data row (the CSV header is row 0).</summary>
    public long RowNumber { get; set; }

    /// <summary>The row's own id when it has one (transaction_id, sku), else "row_N".</summary>
    public string RecordId { get; set; } = "";

    public string ErrorType { get; set; } = "";

    public string ErrorMessage { get; set; } = "";

    public string? Field { get; set; }

    public string? Value { get; set; }
}

/// <summary>A record already imported, by its source id: a second import of it is a duplicate.</summary>
public sealed class ImportedRecordKey : Common.ITenantOwned
{
    public string OrganizationId { get; set; } = "";

    public string ImportType { get; set; } = "";

    public string RecordKey { get; set; } = "";

    public string ImportId { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>A saved column mapping: target field → the column name in the caller's files.</summary>
public sealed class ImportMapping : Common.TenantEntity
{
    public string Name { get; set; } = "";

    public string ImportType { get; set; } = ImportTypes.Transactions;

    public Dictionary<string, string> Columns { get; set; } = [];
}

public static class ImportStatuses
{
    public const string Validating = "validating";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static bool IsActive(string status) => status is Validating or Processing;
}

public static class ImportTypes
{
    public const string Products = "products";
    public const string Transactions = "transactions";
    public const string Counts = "counts";

    public static readonly IReadOnlyList<string> All = [Products, Transactions, Counts];

    /// <summary>The fields a row of each type may carry (after mapping).</summary>
    public static IReadOnlyList<string> Fields(string type) => type switch
    {
        Products => ["sku", "name", "status", "category", "description", "price", "currency", "uom", "units"],
        Counts => ["product_id", "sku", "location_id", "location_code", "quantity", "on_hand", "uom", "reference", "notes"],
        _ => ["transaction_id", "transaction_type", "product_id", "sku", "location_id", "location_code", "quantity", "uom", "unit_cost", "currency", "reason_code", "reference", "notes"],
    };
}

public static class ImportFormats
{
    public const string Csv = "csv";
    public const string Json = "json";

    /// <summary>ERP imports only: csv or json, decided by the fetched response's Content-Type.</summary>
    public const string Auto = "auto";

    public static readonly IReadOnlyList<string> All = [Csv, Json];
}

public static class ImportValidationModes
{
    public const string Strict = "strict";
    public const string Lenient = "lenient";

    public static readonly IReadOnlyList<string> All = [Strict, Lenient];
}

/// <summary>What an import does at a failing record: go past it (reporting it) or stop there.</summary>
public static class ImportErrorHandling
{
    public const string Continue = "continue";
    public const string Stop = "stop";

    public static readonly IReadOnlyList<string> All = [Continue, Stop];
}

public static class ImportDuplicateHandling
{
    public const string Skip = "skip";
    public const string Update = "update";
    public const string Fail = "fail";

    public static readonly IReadOnlyList<string> All = [Skip, Update, Fail];
}

public static class ImportErrorTypes
{
    public const string MissingField = "MISSING_FIELD";
    public const string InvalidValue = "INVALID_VALUE";
    public const string UnknownProduct = "UNKNOWN_PRODUCT";
    public const string UnknownLocation = "UNKNOWN_LOCATION";
    public const string NegativeCost = "NEGATIVE_COST";
    public const string DuplicateRecord = "DUPLICATE_RECORD";
    public const string InsufficientStock = "INSUFFICIENT_STOCK";
    public const string Rejected = "REJECTED";
    public const string MalformedFile = "MALFORMED_FILE";
    public const string SourceUnavailable = "SOURCE_UNAVAILABLE";
    public const string EncryptionKeyRequired = "ENCRYPTION_KEY_REQUIRED";
    public const string DecryptionFailed = "DECRYPTION_FAILED";
    public const string FileTooLarge = "FILE_TOO_LARGE";
}
