using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>A two-phase hold: debits reserved against available stock until committed, aborted or expired.</summary>
public sealed class InventoryHold : ITenantOwned, IBranchOwned
{
    public string Id { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    /// <summary>The branch of every operation's location, or null when the operations span branches (then only shared mode sees it).</summary>
    public string? BranchId { get; set; }

    public string Status { get; set; } = HoldStatuses.Prepared;

    public List<HoldOperation> Operations { get; set; } = [];

    public string? Reference { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }
}

public sealed class HoldOperation
{
    public string Type { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    /// <summary>In the product's base unit.</summary>
    public decimal BaseQuantity { get; set; }

    public decimal InputQuantity { get; set; }

    public string InputUom { get; set; } = "";
}

public static class HoldStatuses
{
    public const string Prepared = "prepared";
    public const string Committed = "committed";
    public const string Aborted = "aborted";
    public const string Expired = "expired";
}
