using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>One append-only ledger row: a signed change of on-hand stock of one product at one location.</summary>
public sealed class InventoryTransaction : ITenantOwned, ILocationScoped
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    public string TransactionType { get; set; } = "";

    /// <summary>Signed change of on_hand in the product's base unit.</summary>
    public decimal QuantityChange { get; set; }

    /// <summary>The quantity as the caller gave it (value and unit).</summary>
    public decimal InputQuantity { get; set; }

    public string InputUom { get; set; } = "";

    /// <summary>on_hand before and after this row (what webhooks report as previous/current quantity).</summary>
    public decimal PreviousOnHand { get; set; }

    public decimal NewOnHand { get; set; }

    public decimal? UnitCostAmount { get; set; }

    public string? UnitCostCurrency { get; set; }

    public string? ReasonCode { get; set; }

    public string? Reference { get; set; }

    public string? Notes { get; set; }

    public string Status { get; set; } = "completed";

    /// <summary>Set on the two rows of a transfer.</summary>
    public string? TransferId { get; set; }

    /// <summary>Set on the rows of a committed two-phase hold.</summary>
    public string? HoldId { get; set; }

    /// <summary>Set on the shipment that fulfils an allocation.</summary>
    public string? AllocationId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public static class TransactionTypes
{
    public const string Receipt = "receipt";
    public const string Shipment = "shipment";
    public const string Adjustment = "adjustment";
    public const string Return = "return";
    public const string Count = "count";
    public const string TransferOut = "transfer_out";
    public const string TransferIn = "transfer_in";
    public const string HoldDebit = "hold_debit";
    public const string HoldCredit = "hold_credit";

    /// <summary>The types a caller may post directly.</summary>
    public static readonly IReadOnlyList<string> Postable = [Receipt, Shipment, Adjustment, Return, Count];

    public static readonly IReadOnlyList<string> All = [Receipt, Shipment, Adjustment, Return, Count, TransferOut, TransferIn, HoldDebit, HoldCredit];
}

public static class ReasonCodes
{
    public static readonly IReadOnlyList<string> All =
        ["DAMAGE", "CYCLE_COUNT", "THEFT", "EXPIRED", "FOUND", "CORRECTION", "SAMPLE", "OTHER"];
}
