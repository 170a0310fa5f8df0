namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

/// <summary>One line of the organization's GL account mapping. Null transaction type / location type match any.</summary>
public sealed class GlAccountMapping : Common.ITenantOwned
{
    public long Id { get; set; }

    public string OrganizationId { get; set; } = "";

    public string? TransactionType { get; set; }

    public string? LocationType { get; set; }

    public string Account { get; set; } = "";

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A revaluation of the average unit cost of one product at one location, written with a ledger row.</summary>
public sealed class CostAdjustment : Common.ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    public string AdjustmentType { get; set; } = CostAdjustmentTypes.StandardCostUpdate;

    public decimal? PreviousCost { get; set; }

    public decimal NewCost { get; set; }

    public string Currency { get; set; } = "";

    public decimal QuantityAffected { get; set; }

    public decimal TotalImpact { get; set; }

    public string? Reason { get; set; }

    public string? ApprovedBy { get; set; }

    public DateTime EffectiveDate { get; set; }

    /// <summary>The ledger row (type cost_adjustment, quantity change 0) written with it.</summary>
    public string TransactionId { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>A recurring ERP export: each due occurrence becomes one run and one export job, exactly once.</summary>
public sealed class ErpExportSchedule : Common.ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string ExportName { get; set; } = "";

    /// <summary>Five-field cron, UTC.</summary>
    public string Cron { get; set; } = "";

    public List<string> DataTypes { get; set; } = [];

    public string DateRange { get; set; } = ErpDateRanges.PreviousDay;

    public List<string> TransactionTypes { get; set; } = [];

    /// <summary>Location types (warehouse, retail, …) whose stock is exported; empty: all.</summary>
    public List<string> LocationTypes { get; set; } = [];

    public string Format { get; set; } = "json";

    public string Compression { get; set; } = "none";

    public bool Encrypted { get; set; }

    /// <summary>The schedule's AES-256 key (shown once, when the schedule is created); every run's file is encrypted with it.</summary>
    public byte[]? EncryptionKey { get; set; }

    public int RetentionDays { get; set; } = 30;

    public string Status { get; set; } = ErpScheduleStatuses.Active;

    public DateTime NextRunAt { get; set; }

    public DateTime? LastRunAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>One occurrence of a schedule; unique per (schedule, scheduled_for), so no occurrence runs twice.</summary>
public sealed class ErpScheduleRun : Common.ITenantOwned
{
    public long Id { get; set; }

    public string OrganizationId { get; set; } = "";

    public string ScheduleId { get; set; } = "";

    public DateTime ScheduledFor { get; set; }

    public string ExportId { get; set; } = "";

    public string RunBy { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

public static class CostAdjustmentTypes
{
    public const string StandardCostUpdate = "standard_cost_update";
    public const string Revaluation = "revaluation";
    public const string LandedCost = "landed_cost";
    public const string WriteDown = "write_down";

    public static readonly IReadOnlyList<string> All = [StandardCostUpdate, Revaluation, LandedCost, WriteDown];
}

public static class ErpDataTypes
{
    public const string InventoryTransactions = "inventory_transactions";
    public const string CostAdjustments = "cost_adjustments";
    public const string ValuationSnapshots = "valuation_snapshots";

    public static readonly IReadOnlyList<string> All = [InventoryTransactions, CostAdjustments, ValuationSnapshots];
}

public static class ErpDateRanges
{
    public const string PreviousDay = "previous_day";
    public const string PreviousWeek = "previous_week";
    public const string PreviousMonth = "previous_month";
    public const string SinceLastRun = "since_last_run";

    public static readonly IReadOnlyList<string> All = [PreviousDay, PreviousWeek, PreviousMonth, SinceLastRun];

    /// <summary>The period an occurrence at <paramref name="at"/> covers.</summary>
    public static (DateTime Start, DateTime End) Period(string range, DateTime at, DateTime? previousRun)
    {
        var day = at.Date;
        return range switch
        {
            PreviousWeek => (day.AddDays(-7), day),
            PreviousMonth => (new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1), new DateTime(day.Year, day.Month, 1, 0, 0, 0, DateTimeKind.Utc)),
            SinceLastRun => (previousRun ?? day.AddDays(-1), at),
            _ => (day.AddDays(-1), day),
        };
    }
}

public static class ErpScheduleStatuses
{
    public const string Active = "active";
    public const string Paused = "paused";
}
