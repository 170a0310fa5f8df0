using FluentValidation;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Ledger;

namespace Smackdab.Inventory.Domain.Features.Sagas;

/// <summary>
/// A long-running fulfilment (the spec's saga): reserve inventory → create shipment → call the external system, each step
/// persisted before and after it runs, so that a saga interrupted by a restart is resumed (or compensated) by any instance.
/// </summary>
public sealed class Saga : TenantEntity
{
    public string Type { get; set; } = SagaTypes.Fulfillment;

    public string Status { get; set; } = SagaStatuses.Running;

    public string? BranchId { get; set; }

    public string IntegrationId { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    public decimal QuantityValue { get; set; }

    public string? QuantityUom { get; set; }

    public string? Reference { get; set; }

    public string ExternalPath { get; set; } = "/fulfillments";

    // Stored as the jsonb column through StepsJson; never an entity of its own.
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public List<SagaStep> Steps { get; set; } = [];

    /// <summary>The steps as stored (jsonb): the saga is always saved whole, so a plain JSON column is the simplest true record.</summary>
    public string StepsJson
    {
        get => System.Text.Json.JsonSerializer.Serialize(Steps);
        set => Steps = System.Text.Json.JsonSerializer.Deserialize<List<SagaStep>>(value) ?? [];
    }

    public string? Error { get; set; }

    public DateTime? CompletedAt { get; set; }

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }
}

public sealed class SagaStep
{
    public int Step { get; set; }

    public string Action { get; set; } = "";

    public string Compensation { get; set; } = "";

    public string Status { get; set; } = SagaStepStatuses.Pending;

    /// <summary>What the step made: the allocation, the shipment's ledger row, the external system's answer.</summary>
    public string? ResourceId { get; set; }

    public string? Error { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime? CompensatedAt { get; set; }

    public string? CompensationResourceId { get; set; }
}

public static class SagaTypes
{
    public const string Fulfillment = "fulfillment";
}

public static class SagaStatuses
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Compensating = "compensating";
    public const string Compensated = "compensated";

    /// <summary>A compensation itself failed; needs an operator.</summary>
    public const string Failed = "failed";
}

public static class SagaStepStatuses
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Compensated = "compensated";
    public const string NotRun = "not_run";
}

public static class SagaActions
{
    public const string ReserveInventory = "reserve_inventory";
    public const string ReleaseReservation = "release_reservation";
    public const string CreateShipment = "create_shipment";
    public const string CancelShipment = "cancel_shipment";
    public const string CallExternalSystem = "call_external_system";
    public const string NotifyExternalSystem = "none";
}

public sealed record FulfillmentRequest
{
    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    public QuantityDto? Quantity { get; init; }

    /// <summary>The integration (payment, accounting) the third step calls.</summary>
    public string? IntegrationId { get; init; }

    /// <summary>Path under the integration's base URL the fulfilment is POSTed to (default /fulfillments).</summary>
    public string? ExternalPath { get; init; }

    public string? Reference { get; init; }
}

public sealed class FulfillmentRequestValidator : AbstractValidator<FulfillmentRequest>
{
    public FulfillmentRequestValidator()
    {
        RuleFor(r => r.ProductId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.LocationId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.IntegrationId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.Quantity).NotNull().WithMessage("Is required");
        RuleFor(r => r.Quantity!.Value).NotNull().WithMessage("Is required").GreaterThan(0).When(r => r.Quantity is not null);
        RuleFor(r => r.ExternalPath).MaximumLength(500).Matches("^/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$").WithMessage("Must be a path starting with /");
        RuleFor(r => r.Reference).MaximumLength(200);
    }
}

public sealed record SagaStepResponse(
    int Step, string Action, string Compensation, string Status, string? ResourceId, string? Error,
    DateTime? StartedAt, DateTime? CompletedAt, DateTime? CompensatedAt);

public sealed record SagaResponse
{
    public string SagaId { get; init; } = "";

    public string Type { get; init; } = "";

    public string Status { get; init; } = "";

    public string IntegrationId { get; init; } = "";

    public string? Reference { get; init; }

    public IReadOnlyList<SagaStepResponse> Steps { get; init; } = [];

    public string? Error { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public DateTime? CompletedAt { get; init; }

    public static SagaResponse From(Saga s) => new()
    {
        SagaId = s.Id,
        Type = s.Type,
        Status = s.Status,
        IntegrationId = s.IntegrationId,
        Reference = s.Reference,
        Steps = s.Steps.OrderBy(x => x.Step).Select(x => new SagaStepResponse(
            x.Step, x.Action, x.Compensation, x.Status, x.ResourceId, x.Error, x.StartedAt, x.CompletedAt, x.CompensatedAt)).ToList(),
        Error = s.Error,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        CompletedAt = s.CompletedAt,
    };
}
