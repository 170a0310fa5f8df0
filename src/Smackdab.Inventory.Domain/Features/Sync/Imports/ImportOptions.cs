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

    public string ResolveDirectory() =>
        string.IsNullOrWhiteSpace(Directory) ? Path.Combine(Path.GetTempPath(), "smackdab-imports") : Directory;
}
