using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Products;

public sealed class Product : TenantEntity, ISoftDeletable
{
    public string Sku { get; set; } = "";

    public string Name { get; set; } = "";

    public string Status { get; set; } = ProductStatuses.Active;

    public string? Category { get; set; }

    public string? Description { get; set; }

    public decimal? PriceAmount { get; set; }

    public string? PriceCurrency { get; set; }

    /// <summary>The base unit of measure; ledger quantities are stored in it.</summary>
    public string Uom { get; set; } = "EACH";

    /// <summary>Other units this product is counted in, each a multiple of <see cref="Uom"/> (e.g. CASE = 12 EACH).</summary>
    public List<ProductUnit> Units { get; set; } = [];

    public DateTime? DeletedAt { get; set; }

    /// <summary>How many base units one <paramref name="uom"/> is, or null when the product has no such unit.</summary>
    public decimal? FactorOf(string uom) =>
        uom == Uom ? 1m : Units.FirstOrDefault(u => u.Uom == uom)?.Factor;
}

public sealed class ProductUnit
{
    public string Uom { get; set; } = "";

    public decimal Factor { get; set; }
}

public static class ProductStatuses
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string Discontinued = "discontinued";

    public static readonly IReadOnlyList<string> All = [Active, Inactive, Discontinued];
}
