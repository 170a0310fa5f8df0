using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>Export jobs: where files go, how workers claim jobs, and how long files are kept.</summary>
public sealed class ExportOptions
{
    public const string Section = "Exports";

    /// <summary>Directory for export files; every instance that serves downloads must see the same directory. Empty: a folder under the system temp directory.</summary>
    public string Directory { get; set; } = "";

    [Range(1, 3600)]
    public int PollIntervalSeconds { get; set; } = 2;

    /// <summary>How long a claimed job belongs to one instance without a progress update before another may take it over.</summary>
    [Range(5, 86400)]
    public int LeaseSeconds { get; set; } = 120;

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 3;

    [Range(1, 3650)]
    public int DefaultRetentionDays { get; set; } = 30;

    [Range(1, 3650)]
    public int MaxRetentionDays { get; set; } = 365;

    /// <summary>Records between progress updates (which also renew the lease).</summary>
    [Range(100, 10_000_000)]
    public int ProgressEvery { get; set; } = 5000;

    /// <summary>Plaintext bytes per AES-GCM chunk of an encrypted export.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int EncryptionChunkBytes { get; set; } = 64 * 1024;

    public string ResolveDirectory() =>
        string.IsNullOrWhiteSpace(Directory) ? Path.Combine(Path.GetTempPath(), "smackdab-exports") : Directory;
}
