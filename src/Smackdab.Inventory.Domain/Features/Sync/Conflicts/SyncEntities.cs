namespace Smackdab.Inventory.Domain.Features.Sync.Conflicts;

/// <summary>The organization's choice of strategy for one source (or "*", every source) and one field.</summary>
public sealed class SyncRule : Common.ITenantOwned
{
    public long Id { get; set; }

    public string OrganizationId { get; set; } = "";

    public string Source { get; set; } = SyncRules.AnySource;

    public string Field { get; set; } = SyncFields.Quantity;

    public string Strategy { get; set; } = SyncStrategies.LastWriteWins;

    /// <summary>For conflicts this rule sends to the manual queue.</summary>
    public string ConflictPriority { get; set; } = ConflictPriorities.Medium;

    public string? AssignedTo { get; set; }

    public int ResolutionHours { get; set; } = 24;

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The last value applied to one field of one entity: who wrote it and the source's timestamp and version.</summary>
public sealed class SyncFieldState : Common.ITenantOwned
{
    public string OrganizationId { get; set; } = "";

    /// <summary>"balance:{product}:{location}" or "product:{product}".</summary>
    public string EntityKey { get; set; } = "";

    public string Field { get; set; } = "";

    public string Source { get; set; } = "";

    public string? Value { get; set; }

    public DateTime SourceUpdatedAt { get; set; }

    public long? SourceVersion { get; set; }

    public DateTime AppliedAt { get; set; }
}

/// <summary>A disagreement that needs a person (or was found by the version strategy), with every system's values.</summary>
public sealed class SyncConflict : Common.ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string ConflictType { get; set; } = ConflictTypes.DataInconsistency;

    public string Field { get; set; } = SyncFields.Quantity;

    public string ProductId { get; set; } = "";

    public string? LocationId { get; set; }

    public string Status { get; set; } = ConflictStatuses.Open;

    public string Priority { get; set; } = ConflictPriorities.Medium;

    public string? AssignedTo { get; set; }

    public DateTime? ResolutionDeadline { get; set; }

    public long? CurrentVersion { get; set; }

    /// <summary>JSON: [{source, value, version, timestamp}] in arrival order.</summary>
    public string Proposals { get; set; } = "[]";

    public string Strategy { get; set; } = SyncStrategies.Manual;

    /// <summary>JSON of the decision that closed it.</summary>
    public string? Resolution { get; set; }

    public string? ResolvedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? ResolvedAt { get; set; }
}

/// <summary>Every inbound sync and every conflict resolution, with the strategy that decided it.</summary>
public sealed class SyncDecision : Common.ITenantOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string Source { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string? LocationId { get; set; }

    public string Field { get; set; } = "";

    public string Strategy { get; set; } = "";

    /// <summary>applied, skipped, rejected, merged, conflict, resolved.</summary>
    public string Outcome { get; set; } = "";

    public string? ConflictId { get; set; }

    /// <summary>JSON of what was proposed and what was kept.</summary>
    public string Detail { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }
}

public static class SyncRules
{
    public const string AnySource = "*";
}

public static class SyncFields
{
    /// <summary>on_hand of a balance: applied as a count through the ledger.</summary>
    public const string Quantity = "quantity";

    /// <summary>Allocated quantity of a balance, per source: applied as that source's allocation.</summary>
    public const string Allocated = "allocated";

    /// <summary>Product attributes (name, category, description, price, status).</summary>
    public const string Attributes = "attributes";

    public static readonly IReadOnlyList<string> All = [Quantity, Allocated, Attributes];

    public static IReadOnlyList<string> StrategiesFor(string field) => field switch
    {
        Allocated => [SyncStrategies.Additive, SyncStrategies.Manual],
        Attributes => [SyncStrategies.FieldLevel, SyncStrategies.LastWriteWins, SyncStrategies.Manual],
        _ => [SyncStrategies.LastWriteWins, SyncStrategies.Version, SyncStrategies.BusinessRule, SyncStrategies.Manual],
    };

    public static string DefaultStrategy(string field) => field switch
    {
        Allocated => SyncStrategies.Additive,
        Attributes => SyncStrategies.FieldLevel,
        _ => SyncStrategies.LastWriteWins,
    };
}

public static class SyncStrategies
{
    public const string LastWriteWins = "last_write_wins";
    public const string Version = "version";
    public const string BusinessRule = "business_rule";
    public const string Additive = "additive";
    public const string FieldLevel = "field_level";
    public const string Manual = "manual";
}

public static class SyncOutcomes
{
    public const string Applied = "applied";
    public const string Skipped = "skipped";
    public const string Rejected = "rejected";
    public const string Merged = "merged";
    public const string Conflict = "conflict";
    public const string Resolved = "resolved";
}

public static class ConflictTypes
{
    public const string VersionConflict = "version_conflict";
    public const string DataInconsistency = "data_inconsistency";
    public const string BusinessRuleViolation = "business_rule_violation";
}

public static class ConflictStatuses
{
    public const string Open = "open";
    public const string Resolved = "resolved";
}

public static class ConflictPriorities
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Critical = "critical";

    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Critical];
}

public static class ProductAttributes
{
    public static readonly IReadOnlyList<string> All = ["name", "category", "description", "price", "status"];
}
