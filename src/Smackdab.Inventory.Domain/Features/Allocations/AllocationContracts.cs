using FluentValidation;
using Smackdab.Inventory.Domain.Features.Ledger;

namespace Smackdab.Inventory.Domain.Features.Allocations;

public sealed record CreateAllocationRequest
{
    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    public QuantityDto? Quantity { get; init; }

    /// <summary>low, normal (default) or high.</summary>
    public string? Priority { get; init; }

    /// <summary>What the stock is promised to, e.g. an order number.</summary>
    public string? Reference { get; init; }

    public static CreateAllocationRequest Example => new()
    {
        ProductId = "prod_abc123",
        LocationId = "loc_def456",
        Quantity = new QuantityDto { Value = 10, Uom = "EACH" },
        Priority = AllocationPriorities.High,
        Reference = "SO-2025-0042",
    };
}

/// <summary>Body of releases and fulfilments; without a quantity the whole open quantity is used.</summary>
public sealed record AllocationQuantityRequest
{
    public QuantityDto? Quantity { get; init; }

    public string? Reference { get; init; }

    public string? Notes { get; init; }

    public static AllocationQuantityRequest Example => new() { Quantity = new QuantityDto { Value = 4, Uom = "EACH" } };
}

public sealed record AllocationResponse
{
    public string Id { get; init; } = "";

    public string ProductId { get; init; } = "";

    public string LocationId { get; init; } = "";

    public QuantityValue Quantity { get; init; } = new(0, "");

    public decimal ReleasedQuantity { get; init; }

    public decimal FulfilledQuantity { get; init; }

    public decimal OpenQuantity { get; init; }

    public string Priority { get; init; } = "";

    public string Status { get; init; } = "";

    public string? Reference { get; init; }

    public int Version { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>The shipment a fulfilment booked.</summary>
    public TransactionResponse? Transaction { get; init; }

    public static AllocationResponse From(Allocation a, TransactionResponse? transaction = null) => new()
    {
        Id = a.Id,
        ProductId = a.ProductId,
        LocationId = a.LocationId,
        Quantity = new QuantityValue(a.Quantity, a.Uom),
        ReleasedQuantity = a.ReleasedQuantity,
        FulfilledQuantity = a.FulfilledQuantity,
        OpenQuantity = a.OpenQuantity,
        Priority = a.Priority,
        Status = a.Status,
        Reference = a.Reference,
        Version = a.Version,
        CreatedAt = a.CreatedAt,
        UpdatedAt = a.UpdatedAt,
        Transaction = transaction,
    };
}

public sealed class CreateAllocationRequestValidator : AbstractValidator<CreateAllocationRequest>
{
    public CreateAllocationRequestValidator()
    {
        RuleFor(r => r.ProductId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.LocationId).NotEmpty().WithMessage("Is required");
        RuleFor(r => r.Quantity).NotNull().WithMessage("Is required").SetValidator(new QuantityDtoValidator()!);
        RuleFor(r => r.Quantity!.Value).GreaterThan(0).WithMessage("Must be greater than zero").When(r => r.Quantity?.Value is not null);
        RuleFor(r => r.Priority).Must(p => p is null || AllocationPriorities.All.Contains(p))
            .WithMessage($"Must be one of: {string.Join(", ", AllocationPriorities.All)}");
        RuleFor(r => r.Reference).MaximumLength(200);
    }
}

public sealed class AllocationQuantityRequestValidator : AbstractValidator<AllocationQuantityRequest>
{
    public AllocationQuantityRequestValidator()
    {
        RuleFor(r => r.Quantity!).SetValidator(new QuantityDtoValidator()).When(r => r.Quantity is not null);
        RuleFor(r => r.Quantity!.Value).GreaterThan(0).WithMessage("Must be greater than zero").When(r => r.Quantity?.Value is not null);
        RuleFor(r => r.Reference).MaximumLength(200);
        RuleFor(r => r.Notes).MaximumLength(2000);
    }
}
