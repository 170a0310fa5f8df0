using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Domain.Features.Sync.Imports;

/// <summary>Bulk imports: where uploads wait, how workers claim jobs, and the chunk size of the apply phase.</summary>
public sealed class ImportOptions
{
    public const string Section = "Imports";

    /// <summary>Directory for uploaded files until their import ends; shared by all instances. Empty: a folder under the system temp directory.</summary>
    public string Directory { get; set; } = "";

    [Range(1, 3600)]
    public int PollIntervalSeconds { get; set; } = 2;

    [Range(5, 86400)]
    public int LeaseSeconds { get; set; } = 120;

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Rows checked and applied per database round of the worker (and per transaction in lenient mode).</summary>
    [Range(1, 5000)]
    public int ChunkSize { get; set; } = 500;

    /// <summary>ERP imports: the whole fetch of a data_url (connect, headers and body) must finish within this, per attempt.</summary>
    [Range(1, 3600)]
    public int UrlFetchTimeoutSeconds { get; set; } = 300;

    [Range(1, 60)]
    public int UrlConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>ERP imports: a data_url whose body is larger than this (before or after content decoding) is refused.</summary>
    [Range(1, 10L * 1024 * 1024 * 1024)]
    public long UrlMaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>ERP imports: attempts at a fetch that failed transiently (connection error, timeout, 408, 429, 5xx).</summary>
    [Range(1, 10)]
    public int UrlFetchMaxAttempts { get; set; } = 3;

    /// <summary>ERP imports: the delay before the second attempt; doubled for each later one.</summary>
    [Range(0, 60000)]
    public int UrlRetryDelayMilliseconds { get; set; } = 2000;

    public string ResolveDirectory() =>
        string.IsNullOrWhiteSpace(Directory) ? Path.Combine(Path.GetTempPath(), "smackdab-imports") : Directory;
}
