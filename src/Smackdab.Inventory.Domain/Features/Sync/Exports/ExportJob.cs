namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>
/// An asynchronous export: created by a request, claimed by one worker instance under a lease, written from one
/// repeatable-read snapshot to a file, downloadable until <see cref="ExpiresAt"/>.
/// </summary>
public sealed class ExportJob : Common.ITenantOwned, Common.IBranchOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>The caller's branch and mode: a branch-isolated caller exports only its branch's stock.</summary>
    public string? BranchId { get; set; }

    public bool BranchIsolated { get; set; }

    public string Status { get; set; } = ExportStatuses.Processing;

    public string DataType { get; set; } = ExportDataTypes.Transactions;

    public string Format { get; set; } = ExportFormats.Json;

    public string Compression { get; set; } = ExportCompressions.None;

    public bool Encrypted { get; set; }

    /// <summary>The per-export AES-256 key, kept only until the file is written, then erased.</summary>
    public byte[]? EncryptionKey { get; set; }

    public DateTime? StartDate { get; set; }

    public DateTime? EndDate { get; set; }

    public int RetentionDays { get; set; }

    /// <summary>Set when a schedule made this job.</summary>
    public string? ScheduleId { get; set; }

    /// <summary>JSON options of an ERP export (data types and filters).</summary>
    public string? Options { get; set; }

    public long ProcessedRecords { get; set; }

    public long? RecordCount { get; set; }

    public long? FileSize { get; set; }

    public string? Sha256 { get; set; }

    /// <summary>File name inside the configured export directory; never shown to callers.</summary>
    public string? FileName { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public int Attempts { get; set; }

    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime? ExpiresAt { get; set; }
}

public static class ExportStatuses
{
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

public static class ExportDataTypes
{
    public const string Transactions = "transactions";
    public const string Balances = "balances";
    public const string Products = "products";

    /// <summary>The ERP file (export_metadata and sections); made by schedules only.</summary>
    public const string Erp = "erp";

    /// <summary>What callers may request directly.</summary>
    public static readonly IReadOnlyList<string> All = [Transactions, Balances, Products];
}

public static class ExportFormats
{
    public const string Json = "json";
    public const string Csv = "csv";
    public const string Ndjson = "ndjson";

    public static readonly IReadOnlyList<string> All = [Json, Csv, Ndjson];
}

public static class ExportCompressions
{
    public const string None = "none";
    public const string Gzip = "gzip";

    public static readonly IReadOnlyList<string> All = [None, Gzip];
}

public static class ExportEncryptions
{
    public const string None = "none";
    public const string Aes256 = "aes256";

    public static readonly IReadOnlyList<string> All = [None, Aes256];
}
