using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>A quantity as callers send it; <c>uom</c> defaults to the product's base unit.</summary>
public sealed record QuantityDto
{
    public decimal? Value { get; init; }

    public string? Uom { get; init; }
}

public sealed record QuantityValue(decimal Value, string Uom);

public sealed record CreateTransactionRequest
{
    public string? TransactionType { get; init; }

    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    /// <summary>Positive for receipt, shipment and return; signed for adjustment; the counted quantity for count.</summary>
    public QuantityDto? Quantity { get; init; }

    public Money? UnitCost { get; init; }

    /// <summary>Required for adjustments: DAMAGE, CYCLE_COUNT, THEFT, EXPIRED, FOUND, CORRECTION, SAMPLE, OTHER.</summary>
    public string? ReasonCode { get; init; }

    public string? Reference { get; init; }

    public string? Notes { get; init; }

    /// <summary>Compare-and-set: apply only if on_hand (base unit) is exactly this now; 409 CONFLICT otherwise.</summary>
    public decimal? ExpectedQuantity { get; init; }

    public static CreateTransactionRequest Example => new()
    {
        TransactionType = TransactionTypes.Receipt,
        ProductId = "prod_abc123",
        LocationId = "loc_def456",
        Quantity = new QuantityDto { Value = 100, Uom = "EACH" },
        UnitCost = new Money(25.50m, "USD"),
        Reference = "PO-2025-001",
        Notes = "Initial stock receipt",
    };
}

public sealed record BatchTransactionsRequest
{
    public IReadOnlyList<CreateTransactionRequest>? Transactions { get; init; }

    public static BatchTransactionsRequest Example => new()
    {
        Transactions =
        [
            CreateTransactionRequest.Example,
            new CreateTransactionRequest
            {
                TransactionType = TransactionTypes.Adjustment,
                ProductId = "prod_xyz789",
                LocationId = "loc_def456",
                Quantity = new QuantityDto { Value = -5, Uom = "EACH" },
                ReasonCode = "DAMAGE",
            },
        ],
    };
}

public sealed record BalanceSnapshot(decimal OnHand, decimal Allocated, decimal Available, int Version);

public sealed record TransactionResponse
{
    public string Id { get; init; } = "";

    public string TransactionType { get; init; } = "";

    public string ProductId { get; init; } = "";

    public string LocationId { get; init; } = "";

    public QuantityValue Quantity { get; init; } = new(0, "");

    /// <summary>Signed change of on_hand in the product's base unit.</summary>
    public decimal QuantityChange { get; init; }

    public decimal PreviousQuantity { get; init; }

    public decimal CurrentQuantity { get; init; }

    public Money? UnitCost { get; init; }

    public string? ReasonCode { get; init; }

    public string? Reference { get; init; }

    public string? Notes { get; init; }

    public string Status { get; init; } = "";

    public string? TransferId { get; init; }

    public string? HoldId { get; init; }

    public string? AllocationId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    public static TransactionResponse From(InventoryTransaction t) => new()
    {
        Id = t.Id,
        TransactionType = t.TransactionType,
        ProductId = t.ProductId,
        LocationId = t.LocationId,
        Quantity = new QuantityValue(t.InputQuantity, t.InputUom),
        QuantityChange = t.QuantityChange,
        PreviousQuantity = t.PreviousOnHand,
        CurrentQuantity = t.NewOnHand,
        UnitCost = t.UnitCostAmount is { } amount ? new Money(amount, t.UnitCostCurrency ?? "USD") : null,
        ReasonCode = t.ReasonCode,
        Reference = t.Reference,
        Notes = t.Notes,
        Status = t.Status,
        TransferId = t.TransferId,
        HoldId = t.HoldId,
        AllocationId = t.AllocationId,
        CreatedAt = t.CreatedAt,
        UpdatedAt = t.UpdatedAt,
    };
}

public sealed record BatchTransactionsResponse(int Count, IReadOnlyList<TransactionResponse> Transactions);

public sealed record CreateTransferRequest
{
    public string? SourceLocationId { get; init; }

    public string? DestinationLocationId { get; init; }

    public string? ProductId { get; init; }

    public QuantityDto? Quantity { get; init; }

    public string? Reference { get; init; }

    public string? Notes { get; init; }

    public static CreateTransferRequest Example => new()
    {
        SourceLocationId = "loc_abc123",
        DestinationLocationId = "loc_def456",
        ProductId = "prod_ghi789",
        Quantity = new QuantityDto { Value = 50, Uom = "EACH" },
    };
}

public sealed record TransferResponse(
    string Id,
    string ProductId,
    string SourceLocationId,
    string DestinationLocationId,
    QuantityValue Quantity,
    string Status,
    string? Reference,
    IReadOnlyList<TransactionResponse> Transactions,
    DateTime CreatedAt);

public sealed record HoldOperationRequest
{
    /// <summary>debit (held against available now, taken on commit) or credit (added on commit).</summary>
    public string? Type { get; init; }

    public string? ProductId { get; init; }

    public string? LocationId { get; init; }

    public QuantityDto? Quantity { get; init; }
}

public sealed record PrepareHoldRequest
{
    /// <summary>Optional caller-chosen id (txn_…); generated when absent.</summary>
    public string? TransactionId { get; init; }

    public IReadOnlyList<HoldOperationRequest>? Operations { get; init; }

    /// <summary>How long the hold lives before it is released (default 300, at most 3600).</summary>
    public int? TtlSeconds { get; init; }

    public string? Reference { get; init; }

    public static PrepareHoldRequest Example => new()
    {
        TransactionId = "txn_abc123",
        Operations =
        [
            new HoldOperationRequest { Type = "debit", LocationId = "loc_abc123", ProductId = "prod_def456", Quantity = new QuantityDto { Value = 50, Uom = "EACH" } },
            new HoldOperationRequest { Type = "credit", LocationId = "loc_ghi789", ProductId = "prod_def456", Quantity = new QuantityDto { Value = 50, Uom = "EACH" } },
        ],
    };
}

public sealed record HoldOperationResponse(string Type, string ProductId, string LocationId, QuantityValue Quantity, decimal BaseQuantity);

public sealed record HoldResponse(
    string TransactionId,
    string Status,
    DateTime ExpiresAt,
    DateTime? CompletedAt,
    string? Reference,
    IReadOnlyList<HoldOperationResponse> Operations,
    IReadOnlyList<TransactionResponse> Transactions,
    DateTime CreatedAt)
{
    public static HoldResponse From(InventoryHold h, IReadOnlyList<TransactionResponse>? transactions = null) => new(
        h.Id,
        h.Status,
        h.ExpiresAt,
        h.CompletedAt,
        h.Reference,
        h.Operations.Select(o => new HoldOperationResponse(o.Type, o.ProductId, o.LocationId, new QuantityValue(o.InputQuantity, o.InputUom), o.BaseQuantity)).ToList(),
        transactions ?? [],
        h.CreatedAt);
}
