using System.Text.Json.Serialization;
using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Products;

/// <summary>The writable fields of a product: the body of POST and PUT, and what PATCH merges into.</summary>
public sealed record ProductWriteRequest
{
    public string? Sku { get; init; }

    public string? Name { get; init; }

    public string? Status { get; init; }

    public string? Category { get; init; }

    public string? Description { get; init; }

    public Money? Price { get; init; }

    public string? Uom { get; init; }

    /// <summary>Alternative units, each a multiple of the base unit: [{"uom": "CASE", "factor": 12}].</summary>
    public IReadOnlyList<UnitDto>? Units { get; init; }

    public static ProductWriteRequest Example => new()
    {
        Sku = "WIDGET-001",
        Name = "Premium Widget",
        Status = ProductStatuses.Active,
        Category = "electronics",
        Description = "A premium widget",
        Price = new Money(25.50m, "USD"),
        Uom = "EACH",
        Units = [new UnitDto { Uom = "CASE", Factor = 12 }],
    };
}

public sealed record UnitDto
{
    public string? Uom { get; init; }

    public decimal? Factor { get; init; }
}

public sealed record ProductResponse
{
    public string Id { get; init; } = "";

    public string Sku { get; init; } = "";

    public string Name { get; init; } = "";

    public string Status { get; init; } = "";

    public string? Category { get; init; }

    public string? Description { get; init; }

    public Money? Price { get; init; }

    public string Uom { get; init; } = "";

    public IReadOnlyList<UnitDto> Units { get; init; } = [];

    public int Version { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>Present with include=inventory.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProductInventory? Inventory { get; init; }

    /// <summary>Present with include=pricing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProductPricing? Pricing { get; init; }

    public static ProductResponse From(Product p) => new()
    {
        Id = p.Id,
        Sku = p.Sku,
        Name = p.Name,
        Status = p.Status,
        Category = p.Category,
        Description = p.Description,
        Price = p.PriceAmount is { } amount ? new Money(amount, p.PriceCurrency ?? "USD") : null,
        Uom = p.Uom,
        Units = p.Units.Select(u => new UnitDto { Uom = u.Uom, Factor = u.Factor }).ToList(),
        Version = p.Version,
        CreatedAt = p.CreatedAt,
        UpdatedAt = p.UpdatedAt,
    };
}

public sealed record ProductInventory(decimal OnHand, decimal Allocated, decimal Available, string Uom, IReadOnlyList<LocationStock> Locations);

public sealed record LocationStock(string LocationId, decimal OnHand, decimal Allocated, decimal Available);

public sealed record ProductPricing(Money? ListPrice, Money? AverageUnitCost);

public sealed record DeletedResponse(string Id, bool Deleted, DateTime DeletedAt);
