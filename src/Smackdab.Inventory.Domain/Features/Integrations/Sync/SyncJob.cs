using FluentValidation;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Integrations.Sync;

/// <summary>
/// A resumed data sync: the ledger rows recorded between <see cref="SyncFrom"/> and <see cref="SyncUntil"/>, pushed to the
/// integration in order through its connector. The cursor moves only after the external system accepted a row, so a
/// failure (or an open breaker) stops the job where it is and the next pass continues from there.
/// </summary>
public sealed class SyncJob : TenantEntity
{
    public string IntegrationId { get; set; } = "";

    public string Status { get; set; } = SyncJobStatuses.Processing;

    public string Priority { get; set; } = SyncPriorities.Normal;

    public DateTime SyncFrom { get; set; }

    public DateTime SyncUntil { get; set; }

    public int RecordsToSync { get; set; }

    public int RecordsSynced { get; set; }

    /// <summary>Position of the last row pushed: (created_at, id) of the ledger row.</summary>
    public DateTime? CursorCreatedAt { get; set; }

    public string? CursorId { get; set; }

    public DateTime? EstimatedCompletion { get; set; }

    public string? LastError { get; set; }

    public int FailedPasses { get; set; }

    public DateTime? CompletedAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }
}

public static class SyncJobStatuses
{
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
}

public static class SyncPriorities
{
    public const string Low = "low";
    public const string Normal = "normal";
    public const string High = "high";

    public static readonly IReadOnlyList<string> All = [Low, Normal, High];

    /// <summary>Claim order: high first.</summary>
    public static int Rank(string priority) => priority switch
    {
        High => 0,
        Normal => 1,
        _ => 2,
    };
}

public sealed record SyncResumeRequest
{
    public DateTime? SyncFrom { get; init; }

    /// <summary>low, normal or high.</summary>
    public string? Priority { get; init; }
}

public sealed record SyncJobResponse
{
    public string SyncJobId { get; init; } = "";

    public string IntegrationId { get; init; } = "";

    public string Status { get; init; } = "";

    public string Priority { get; init; } = "";

    public DateTime SyncFrom { get; init; }

    public DateTime SyncUntil { get; init; }

    public int RecordsToSync { get; init; }

    public int RecordsSynced { get; init; }

    public double ProgressPercent { get; init; }

    public DateTime? EstimatedCompletion { get; init; }

    public string? LastError { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? CompletedAt { get; init; }

    public static SyncJobResponse From(SyncJob j) => new()
    {
        SyncJobId = j.Id,
        IntegrationId = j.IntegrationId,
        Status = j.Status,
        Priority = j.Priority,
        SyncFrom = j.SyncFrom,
        SyncUntil = j.SyncUntil,
        RecordsToSync = j.RecordsToSync,
        RecordsSynced = j.RecordsSynced,
        ProgressPercent = j.RecordsToSync == 0 ? 100 : Math.Round(100.0 * j.RecordsSynced / j.RecordsToSync, 1),
        EstimatedCompletion = j.EstimatedCompletion,
        LastError = j.LastError,
        CreatedAt = j.CreatedAt,
        CompletedAt = j.CompletedAt,
    };
}

public sealed class SyncResumeRequestValidator : AbstractValidator<SyncResumeRequest>
{
    public SyncResumeRequestValidator()
    {
        RuleFor(r => r.SyncFrom).NotNull().WithMessage("Is required");
        RuleFor(r => r.Priority).Must(p => p is null || SyncPriorities.All.Contains(p)).WithMessage($"Must be one of: {string.Join(", ", SyncPriorities.All)}");
    }
}
