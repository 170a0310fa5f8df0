using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Balances;

/// <summary>Stock of one product at one location. Changed only together with the ledger row that explains it.</summary>
public sealed class InventoryBalance : ITenantOwned, ILocationScoped
{
    public long Id { get; set; }

    public string OrganizationId { get; set; } = "";

    public string ProductId { get; set; } = "";

    public string LocationId { get; set; } = "";

    public decimal OnHand { get; set; }

    public decimal Allocated { get; set; }

    public decimal Available => OnHand - Allocated;

    public decimal? AverageUnitCost { get; set; }

    public string? CostCurrency { get; set; }

    public int Version { get; set; } = 1;

    public DateTime UpdatedAt { get; set; }
}
