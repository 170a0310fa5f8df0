using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Balances;

public sealed record StockTotals(decimal OnHand, decimal Allocated, decimal Available);

/// <summary>A product's stock at one location.</summary>
public sealed record StockRow
{
    public string ProductId { get; init; } = "";

    public string Sku { get; init; } = "";

    public string ProductName { get; init; } = "";

    public string LocationId { get; init; } = "";

    public string LocationName { get; init; } = "";

    public string? LocationGroup { get; init; }

    public string Uom { get; init; } = "";

    public decimal OnHand { get; init; }

    public decimal Allocated { get; init; }

    public decimal Available { get; init; }

    public Money? AverageUnitCost { get; init; }

    public int Version { get; init; }

    public DateTime UpdatedAt { get; init; }
}

/// <summary>One product's stock across all visible locations, with totals per location group.</summary>
public sealed record ProductSummary
{
    public string ProductId { get; init; } = "";

    public string Sku { get; init; } = "";

    public string Name { get; init; } = "";

    public string Uom { get; init; } = "";

    public decimal OnHand { get; init; }

    public decimal Allocated { get; init; }

    public decimal Available { get; init; }

    public int LocationCount { get; init; }

    public IReadOnlyDictionary<string, StockTotals> ByLocationGroup { get; init; } = new Dictionary<string, StockTotals>();
}

public sealed record AuditMismatch(string ProductId, string LocationId, string Field, decimal Balance, decimal Expected);

public sealed record AuditReport(int CheckedBalances, long LedgerRows, bool Consistent, IReadOnlyList<AuditMismatch> Mismatches, DateTime CheckedAt);
