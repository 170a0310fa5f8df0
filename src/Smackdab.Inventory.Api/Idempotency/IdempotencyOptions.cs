using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>Section "Idempotency".</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a stored response is replayed; after that the key may be used again.</summary>
    [Range(1, 24 * 30)]
    public int TtlHours { get; set; } = 24;

    /// <summary>How often the background job deletes expired records.</summary>
    [Range(1, 24 * 3600)]
    public int CleanupIntervalSeconds { get; set; } = 300;

    /// <summary>Rows per DELETE statement of the cleanup job, so that no statement holds many row locks for long.</summary>
    [Range(1, 100_000)]
    public int CleanupBatchSize { get; set; } = 1000;

    /// <summary>Retry-After of 409 IDEMPOTENCY_IN_PROGRESS.</summary>
    [Range(1, 600)]
    public int InProgressRetryAfterSeconds { get; set; } = 1;

    /// <summary>POSTs under this path prefix need an Idempotency-Key when the organization's require_idempotency_for_inventory is true.</summary>
    [Required]
    [RegularExpression("^/.*")]
    public string RequiredPathPrefix { get; set; } = "/v1/inventory";
}
