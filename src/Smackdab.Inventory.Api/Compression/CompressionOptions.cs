using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Api.Compression;

/// <summary>Section "Compression".</summary>
public sealed class CompressionOptions
{
    public const string Section = "Compression";

    /// <summary>Responses larger than this are compressed (gzip or Brotli) when the client sends Accept-Encoding.</summary>
    [Range(0, 10 * 1024 * 1024)]
    public int MinimumResponseBytes { get; set; } = 1024;
}
