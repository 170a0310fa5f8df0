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

    public DateTime? DeletedAt { get; set; }
}

public static class ProductStatuses
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string Discontinued = "discontinued";

    public static readonly IReadOnlyList<string> All = [Active, Inactive, Discontinued];
}
