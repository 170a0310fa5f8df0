using System.Text.Json.Serialization;
using FluentValidation;

namespace Smackdab.Inventory.Domain.Features.Sync.Conflicts;

/// <summary>Product attributes as an external system reports them; only the fields sent take part.</summary>
public sealed record SyncAttributes
{
    public string? Name { get; init; }

    public string? Category { get; init; }

    public string? Description { get; init; }

    public decimal? Price { get; init; }

    public string? Currency { get; init; }

    public string? Status { get; init; }

    public Dictionary<string, object?> Sent() => new Dictionary<string, object?>
    {
        ["name"] = Name,
        ["category"] = Category,
        ["description"] = Description,
        ["price"] = Price,
        ["status"] = Status,
    }.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>POST /v1/inventory/sync: one external system's view of one balance field or of a product's attributes.</summary>
public sealed record SyncRequest
{
    /// <summary>The reporting system, e.g. erp, wms, ecommerce.</summary>
    public string? Source { get; init; }

    public string? ProductId { get; init; }

    /// <summary>Required with quantity and allocated.</summary>
    public string? LocationId { get; init; }

    /// <summary>The source's on_hand (base unit).</summary>
    public decimal? Quantity { get; init; }

    /// <summary>What the source has allocated (base unit); merged additively with other sources.</summary>
    public decimal? Allocated { get; init; }

    public SyncAttributes? Attributes { get; init; }

    /// <summary>The version the source's change is based on plus one (version strategy: must be the balance's version + 1).</summary>
    public long? Version { get; init; }

    /// <summary>When the source changed the value (last_write_wins and field_level compare these); default now.</summary>
    public DateTime? UpdatedAt { get; init; }

    [JsonIgnore]
    public string Field => Quantity is not null ? SyncFields.Quantity : Allocated is not null ? SyncFields.Allocated : SyncFields.Attributes;

    public static SyncRequest Example => new()
    {
        Source = "system_b",
        ProductId = "prod_abc123",
        LocationId = "loc_def456",
        Quantity = 95,
        Version = 6,
        UpdatedAt = new DateTime(2025, 1, 28, 10, 31, 0, DateTimeKind.Utc),
    };
}

public sealed class SyncRequestValidator : AbstractValidator<SyncRequest>
{
    public SyncRequestValidator()
    {
        RuleFor(r => r.Source).NotEmpty().MaximumLength(64).Matches("^[a-z0-9][a-z0-9_.-]*$").WithMessage("Must be lower-case letters, digits, _ . -");
        RuleFor(r => r.ProductId).NotEmpty().MaximumLength(64);
        RuleFor(r => r.LocationId).NotEmpty().MaximumLength(64).When(r => r.Quantity is not null || r.Allocated is not null);
        RuleFor(r => r).Must(r => new object?[] { r.Quantity, r.Allocated, r.Attributes }.Count(v => v is not null) == 1)
            .WithName("quantity").OverridePropertyName("quantity").WithMessage("Send exactly one of quantity, allocated or attributes");
        RuleFor(r => r.Allocated).GreaterThanOrEqualTo(0);
        RuleFor(r => r.Quantity).InclusiveBetween(-1_000_000_000m, 1_000_000_000m);
        RuleFor(r => r.Version).GreaterThanOrEqualTo(1);
        RuleFor(r => r.Attributes!).ChildRules(a =>
        {
            a.RuleFor(x => x).Must(x => x.Sent().Count > 0).OverridePropertyName("name").WithMessage("Send at least one attribute");
            a.RuleFor(x => x.Name).MaximumLength(200);
            a.RuleFor(x => x.Category).MaximumLength(100);
            a.RuleFor(x => x.Description).MaximumLength(2000);
            a.RuleFor(x => x.Price).GreaterThanOrEqualTo(0);
            a.RuleFor(x => x.Currency).Matches("^[A-Z]{3}$").When(x => x.Currency is not null).WithMessage("Must be an ISO 4217 code");
            a.RuleFor(x => x.Status).Must(s => s is null || Products.ProductStatuses.All.Contains(s)).WithMessage("Must be active, inactive or discontinued");
        }).When(r => r.Attributes is not null);
    }
}

/// <summary>What the organization's strategy decided. Fields not relevant to the strategy are left out.</summary>
public sealed record SyncDecisionResponse
{
    public string DecisionId { get; init; } = "";

    public string Source { get; init; } = "";

    public string ProductId { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LocationId { get; init; }

    public string Field { get; init; } = "";

    /// <summary>The strategy that decided: last_write_wins, version, business_rule, additive, field_level, manual.</summary>
    public string ConflictResolution { get; init; } = "";

    /// <summary>applied, skipped, rejected, merged or conflict.</summary>
    public string Outcome { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? Quantity { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? LastUpdated { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? UpdatedBy { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CurrentVersion { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ConflictProposal>? Conflicts { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ResolutionRequired { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConflictId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConflictType { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Rule { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? RejectedValue { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? AcceptedValue { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Resolution { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? OnHand { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? Allocated { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, decimal>? AllocatedBySource { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, object?>? Merged { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? FieldsApplied { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? FieldsKept { get; init; }

    public DateTime CreatedAt { get; init; }
}

/// <summary>One system's proposed value in a conflict.</summary>
public sealed record ConflictProposal
{
    public string Source { get; init; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? ProposedQuantity { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, object?>? ProposedAttributes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ProposedVersion { get; init; }

    public DateTime Timestamp { get; init; }
}

public sealed record ConflictResponse
{
    public string ConflictId { get; init; } = "";

    public string ConflictType { get; init; } = "";

    public string ProductId { get; init; } = "";

    public string? LocationId { get; init; }

    public string Field { get; init; } = "";

    public IReadOnlyList<string> ConflictingSystems { get; init; } = [];

    /// <summary>Each system's values, e.g. {"erp": {"quantity": 100}, "wms": {"quantity": 95}}.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, object?>> Values { get; init; } = new Dictionary<string, Dictionary<string, object?>>();

    public IReadOnlyList<ConflictProposal> Proposals { get; init; } = [];

    public long? CurrentVersion { get; init; }

    public string Status { get; init; } = "";

    public string Priority { get; init; } = "";

    public string? AssignedTo { get; init; }

    public DateTime? ResolutionDeadline { get; init; }

    public bool ResolutionRequired { get; init; }

    public string Strategy { get; init; } = "";

    public System.Text.Json.Nodes.JsonNode? Resolution { get; init; }

    public string? ResolvedBy { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? ResolvedAt { get; init; }
}

/// <summary>POST /v1/conflicts/{id}/resolve: take one system's value, or enter one.</summary>
public sealed record ResolveConflictRequest
{
    /// <summary>A system listed in conflicting_systems whose value wins.</summary>
    public string? Source { get; init; }

    /// <summary>A quantity to book instead (quantity and allocated conflicts).</summary>
    public decimal? Quantity { get; init; }

    /// <summary>Attributes to apply instead (attribute conflicts).</summary>
    public SyncAttributes? Attributes { get; init; }

    public string? ResolvedBy { get; init; }

    public string? Notes { get; init; }

    public static ResolveConflictRequest Example => new() { Source = "wms", ResolvedBy = "inventory_manager", Notes = "WMS counted yesterday" };
}

public sealed class ResolveConflictRequestValidator : AbstractValidator<ResolveConflictRequest>
{
    public ResolveConflictRequestValidator()
    {
        RuleFor(r => r).Must(r => new object?[] { r.Source, r.Quantity, r.Attributes }.Count(v => v is not null) == 1)
            .OverridePropertyName("source").WithMessage("Send exactly one of source, quantity or attributes");
        RuleFor(r => r.Source).MaximumLength(64);
        RuleFor(r => r.Quantity).GreaterThanOrEqualTo(0);
        RuleFor(r => r.ResolvedBy).MaximumLength(100);
        RuleFor(r => r.Notes).MaximumLength(2000);
    }
}

public sealed record SyncRuleDto
{
    /// <summary>A source name, or "*" for every source.</summary>
    public string? Source { get; init; }

    /// <summary>quantity, allocated or attributes.</summary>
    public string? Field { get; init; }

    public string? Strategy { get; init; }

    /// <summary>Priority of the conflicts this rule queues (manual and version): low, medium, high, critical.</summary>
    public string? ConflictPriority { get; init; }

    public string? AssignedTo { get; init; }

    /// <summary>Hours until a queued conflict's resolution_deadline.</summary>
    public int? ResolutionHours { get; init; }
}

public sealed record SyncRulesRequest
{
    public IReadOnlyList<SyncRuleDto>? Rules { get; init; }

    public static SyncRulesRequest Example => new()
    {
        Rules =
        [
            new SyncRuleDto { Source = "*", Field = SyncFields.Quantity, Strategy = SyncStrategies.LastWriteWins },
            new SyncRuleDto { Source = "erp", Field = SyncFields.Quantity, Strategy = SyncStrategies.Manual, ConflictPriority = ConflictPriorities.High, AssignedTo = "inventory_manager", ResolutionHours = 2 },
            new SyncRuleDto { Source = "*", Field = SyncFields.Allocated, Strategy = SyncStrategies.Additive },
            new SyncRuleDto { Source = "*", Field = SyncFields.Attributes, Strategy = SyncStrategies.FieldLevel },
        ],
    };
}

public sealed class SyncRulesRequestValidator : AbstractValidator<SyncRulesRequest>
{
    public SyncRulesRequestValidator()
    {
        RuleFor(r => r.Rules).NotNull();
        RuleFor(r => r.Rules!.Count).LessThanOrEqualTo(200).OverridePropertyName("rules").When(r => r.Rules is not null);
        RuleForEach(r => r.Rules).ChildRules(rule =>
        {
            rule.RuleFor(x => x.Source).NotEmpty().MaximumLength(64);
            rule.RuleFor(x => x.Field).NotEmpty().Must(f => f is null || SyncFields.All.Contains(f)).WithMessage($"Must be one of: {string.Join(", ", SyncFields.All)}");
            rule.RuleFor(x => x.Strategy).NotEmpty()
                .Must((x, s) => x.Field is null || !SyncFields.All.Contains(x.Field) || SyncFields.StrategiesFor(x.Field).Contains(s!))
                .WithMessage(x => $"Must be one of: {string.Join(", ", SyncFields.StrategiesFor(x.Field ?? SyncFields.Quantity))}");
            rule.RuleFor(x => x.ConflictPriority).Must(p => p is null || ConflictPriorities.All.Contains(p)).WithMessage($"Must be one of: {string.Join(", ", ConflictPriorities.All)}");
            rule.RuleFor(x => x.AssignedTo).MaximumLength(100);
            rule.RuleFor(x => x.ResolutionHours).InclusiveBetween(1, 24 * 365);
        });
        RuleFor(r => r.Rules).Must(rules => rules is null || rules.GroupBy(x => (x.Source, x.Field)).All(g => g.Count() == 1))
            .WithMessage("Each (source, field) pair may appear once");
    }
}

public sealed record SyncRuleResponse(string Source, string Field, string Strategy, string ConflictPriority, string? AssignedTo, int ResolutionHours, DateTime UpdatedAt);

public sealed record SyncDecisionListItem(string DecisionId, string Source, string ProductId, string? LocationId, string Field, string Strategy, string Outcome, string? ConflictId, System.Text.Json.Nodes.JsonNode? Detail, DateTime CreatedAt);

public sealed record SyncRulesResponse(IReadOnlyList<SyncRuleResponse> Rules);
