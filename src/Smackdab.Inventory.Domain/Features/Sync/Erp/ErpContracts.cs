using FluentValidation;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

public sealed record GlAccountRuleDto
{
    /// <summary>receipt, shipment, adjustment, …; omit for any.</summary>
    public string? TransactionType { get; init; }

    /// <summary>warehouse, retail, …; omit for any.</summary>
    public string? LocationType { get; init; }

    public string? Account { get; init; }
}

public sealed record GlAccountSettings
{
    /// <summary>The account when no rule matches.</summary>
    public string? DefaultAccount { get; init; }

    /// <summary>The most specific match wins: type and location type, then type, then location type.</summary>
    public IReadOnlyList<GlAccountRuleDto>? Rules { get; init; }

    public static GlAccountSettings Example => new()
    {
        DefaultAccount = "1200-INVENTORY",
        Rules =
        [
            new GlAccountRuleDto { TransactionType = "shipment", Account = "5000-COGS" },
            new GlAccountRuleDto { TransactionType = "adjustment", LocationType = "retail", Account = "5100-SHRINKAGE-RETAIL" },
            new GlAccountRuleDto { TransactionType = "cost_adjustment", Account = "5200-REVALUATION" },
        ],
    };
}

public sealed class GlAccountSettingsValidator : AbstractValidator<GlAccountSettings>
{
    public GlAccountSettingsValidator()
    {
        RuleFor(s => s.DefaultAccount).NotEmpty().MaximumLength(64);
        RuleFor(s => s.Rules).NotNull();
        RuleForEach(s => s.Rules).NotNull().WithMessage("Must be a rule object, not null");
        RuleForEach(s => s.Rules).ChildRules(rule =>
        {
            rule.RuleFor(r => r.Account).NotEmpty().MaximumLength(64);
            rule.RuleFor(r => r.TransactionType).MaximumLength(32);
            rule.RuleFor(r => r.LocationType).MaximumLength(32);
            rule.RuleFor(r => r).Must(r => r.TransactionType is not null || r.LocationType is not null)
                .OverridePropertyName("transaction_type").WithMessage("Give a transaction_type, a location_type or both (default_account covers the rest)");
        });
        RuleFor(s => s.Rules).Must(rules => rules is null || rules.Where(r => r is not null).GroupBy(r => (r.TransactionType, r.LocationType)).All(g => g.Count() == 1))
            .WithMessage("Each (transaction_type, location_type) pair may appear once");
    }
}

public sealed record CreateCostAdjustmentRequest
{
    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    /// <summary>standard_cost_update (default), revaluation, landed_cost, write_down.</summary>
    public string? AdjustmentType { get; init; }

    /// <summary>The new average unit cost (per base unit).</summary>
    public Money? NewCost { get; init; }

    public string? Reason { get; init; }

    public string? ApprovedBy { get; init; }

    public DateTime? EffectiveDate { get; init; }

    public static CreateCostAdjustmentRequest Example => new()
    {
        ProductId = "prod_jkl012",
        LocationId = "loc_mno345",
        AdjustmentType = CostAdjustmentTypes.StandardCostUpdate,
        NewCost = new Money(26.00m, "USD"),
        Reason = "supplier_price_increase",
        ApprovedBy = "cost_manager",
        EffectiveDate = new DateTime(2025, 1, 27, 0, 0, 0, DateTimeKind.Utc),
    };
}

public sealed class CreateCostAdjustmentRequestValidator : AbstractValidator<CreateCostAdjustmentRequest>
{
    public CreateCostAdjustmentRequestValidator()
    {
        RuleFor(r => r.ProductId).NotEmpty().MaximumLength(64);
        RuleFor(r => r.LocationId).NotEmpty().MaximumLength(64);
        RuleFor(r => r.AdjustmentType).Must(t => t is null || CostAdjustmentTypes.All.Contains(t)).WithMessage($"Must be one of: {string.Join(", ", CostAdjustmentTypes.All)}");
        RuleFor(r => r.NewCost).NotNull();
        RuleFor(r => r.NewCost!.Amount).GreaterThanOrEqualTo(0).LessThan(1_000_000_000m).OverridePropertyName("new_cost.amount").When(r => r.NewCost is not null);
        RuleFor(r => r.NewCost!.Currency).Matches("^[A-Z]{3}$").OverridePropertyName("new_cost.currency").WithMessage("Must be an ISO 4217 code").When(r => r.NewCost is not null);
        RuleFor(r => r.Reason).MaximumLength(200);
        RuleFor(r => r.ApprovedBy).MaximumLength(100);
    }
}

public sealed record CostAdjustmentResponse(
    string AdjustmentId, string ProductId, string LocationId, string AdjustmentType, decimal? PreviousCost, decimal NewCost, string Currency,
    decimal QuantityAffected, decimal TotalImpact, string? Reason, string? ApprovedBy, DateTime EffectiveDate, string TransactionId, string GlAccount, DateTime CreatedAt);

public sealed record ErpScheduleFilters
{
    /// <summary>previous_day (default), previous_week, previous_month, since_last_run.</summary>
    public string? DateRange { get; init; }

    public IReadOnlyList<string>? TransactionTypes { get; init; }

    /// <summary>Location types (warehouse, retail, …).</summary>
    public IReadOnlyList<string>? Locations { get; init; }
}

public sealed record CreateErpScheduleRequest
{
    public string? ExportName { get; init; }

    /// <summary>Five-field cron in UTC, e.g. "0 2 * * *".</summary>
    public string? Schedule { get; init; }

    public IReadOnlyList<string>? DataTypes { get; init; }

    public ErpScheduleFilters? Filters { get; init; }

    /// <summary>json (the export file with export_metadata and a section per data type).</summary>
    public string? Format { get; init; }

    public string? Compression { get; init; }

    /// <summary>none or aes256: every run is encrypted with the schedule's key, returned once in the creation response.</summary>
    public string? Encryption { get; init; }

    public int? RetentionDays { get; init; }

    public static CreateErpScheduleRequest Example => new()
    {
        ExportName = "daily_financial_sync",
        Schedule = "0 2 * * *",
        DataTypes = [ErpDataTypes.InventoryTransactions, ErpDataTypes.CostAdjustments, ErpDataTypes.ValuationSnapshots],
        Filters = new ErpScheduleFilters { DateRange = ErpDateRanges.PreviousDay, TransactionTypes = ["receipt", "shipment", "adjustment"], Locations = ["warehouse", "retail"] },
        Format = "json",
        Compression = "gzip",
        Encryption = "none",
        RetentionDays = 30,
    };
}

public sealed class CreateErpScheduleRequestValidator : AbstractValidator<CreateErpScheduleRequest>
{
    public CreateErpScheduleRequestValidator()
    {
        RuleFor(r => r.ExportName).NotEmpty().MaximumLength(100);
        RuleFor(r => r.Schedule).NotEmpty().MaximumLength(100).Must(BeCron).WithMessage("Must be a five-field cron expression, e.g. \"0 2 * * *\"");
        RuleFor(r => r.DataTypes).NotEmpty();
        RuleForEach(r => r.DataTypes).Must(t => ErpDataTypes.All.Contains(t)).WithMessage($"Must be one of: {string.Join(", ", ErpDataTypes.All)}");
        RuleFor(r => r.Filters!.DateRange).Must(d => d is null || ErpDateRanges.All.Contains(d)).OverridePropertyName("filters.date_range")
            .WithMessage($"Must be one of: {string.Join(", ", ErpDateRanges.All)}").When(r => r.Filters is not null);
        RuleForEach(r => r.Filters!.TransactionTypes).Must(t => Ledger.TransactionTypes.All.Contains(t) || t == ErpExportWriter.CostAdjustmentType)
            .OverridePropertyName("filters.transaction_types").WithMessage("Unknown transaction type").When(r => r.Filters?.TransactionTypes is not null);
        RuleForEach(r => r.Filters!.Locations).Must(t => Locations.LocationTypes.All.Contains(t))
            .OverridePropertyName("filters.locations").WithMessage($"Must be location types: {string.Join(", ", Locations.LocationTypes.All)}").When(r => r.Filters?.Locations is not null);
        RuleFor(r => r.Format).Must(f => f is null or "json").WithMessage("Must be json");
        RuleFor(r => r.Compression).Must(c => c is null || Exports.ExportCompressions.All.Contains(c)).WithMessage("Must be none or gzip");
        RuleFor(r => r.Encryption).Must(e => e is null || Exports.ExportEncryptions.All.Contains(e)).WithMessage("Must be none or aes256");
        RuleFor(r => r.RetentionDays).InclusiveBetween(1, 3650);
    }

    private static bool BeCron(string? text)
    {
        try
        {
            _ = Cronos.CronExpression.Parse(text ?? "");
            return true;
        }
        catch (Cronos.CronFormatException)
        {
            return false;
        }
    }
}

public sealed record ErpScheduleResponse
{
    public string ScheduleId { get; init; } = "";

    public string ExportName { get; init; } = "";

    public string Schedule { get; init; } = "";

    public IReadOnlyList<string> DataTypes { get; init; } = [];

    public ErpScheduleFilters Filters { get; init; } = new();

    public string Format { get; init; } = "";

    public string Compression { get; init; } = "";

    public string Encryption { get; init; } = "";

    public string Status { get; init; } = "";

    public DateTime? NextExecution { get; init; }

    public DateTime? LastExecution { get; init; }

    public string ExportUrlPattern { get; init; } = "/v1/exports/{export_id}/download";

    public int RetentionDays { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>Base64 AES-256 key; only in the response that created an encrypted schedule.</summary>
    public string? EncryptionKey { get; init; }

    public static ErpScheduleResponse From(ErpExportSchedule s) => new()
    {
        ScheduleId = s.Id,
        ExportName = s.ExportName,
        Schedule = s.Cron,
        DataTypes = s.DataTypes,
        Filters = new ErpScheduleFilters { DateRange = s.DateRange, TransactionTypes = s.TransactionTypes, Locations = s.LocationTypes },
        Format = s.Format,
        Compression = s.Compression,
        Encryption = s.Encrypted ? "aes256" : "none",
        Status = s.Status,
        NextExecution = s.Status == ErpScheduleStatuses.Active ? s.NextRunAt : null,
        LastExecution = s.LastRunAt,
        RetentionDays = s.RetentionDays,
        CreatedAt = s.CreatedAt,
    };
}

public sealed record ErpScheduleRunResponse(string ScheduleId, DateTime ScheduledFor, string ExportId, string Status, string? DownloadUrl, DateTime CreatedAt);
