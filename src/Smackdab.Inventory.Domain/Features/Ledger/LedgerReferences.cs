using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>
/// The products and locations a ledger request names, loaded through the tenant filters (so a foreign or hidden id is
/// simply "not found"), with unit conversion to the product's base unit.
/// </summary>
public sealed class LedgerReferences
{
    private readonly Dictionary<string, Product> _products;
    private readonly HashSet<string> _locations;

    private LedgerReferences(Dictionary<string, Product> products, HashSet<string> locations)
    {
        _products = products;
        _locations = locations;
    }

    public static async Task<LedgerReferences> LoadAsync(InventoryDbContext db, IEnumerable<string?> productIds, IEnumerable<string?> locationIds, CancellationToken ct)
    {
        var pids = productIds.OfType<string>().Distinct().ToList();
        var lids = locationIds.OfType<string>().Distinct().ToList();
        var products = await db.Products.AsNoTracking().Where(p => pids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var locations = await db.Locations.AsNoTracking().Where(l => lids.Contains(l.Id)).Select(l => l.Id).ToListAsync(ct);
        return new LedgerReferences(products, locations.ToHashSet(StringComparer.Ordinal));
    }

    public Product? Product(string? id, string field, ValidationErrors errors)
    {
        if (id is not null && _products.TryGetValue(id, out var product))
        {
            return product;
        }

        errors.Add(field, "Product not found");
        return null;
    }

    public bool Location(string? id, string field, ValidationErrors errors)
    {
        if (id is not null && _locations.Contains(id))
        {
            return true;
        }

        errors.Add(field, "Location not found");
        return false;
    }

    /// <summary>The quantity in the product's base unit, or null (with an error) for a unit the product does not have.</summary>
    public static (decimal Base, QuantityValue Input)? ToBase(Product product, QuantityDto quantity, string field, ValidationErrors errors)
    {
        var uom = quantity.Uom ?? product.Uom;
        var factor = product.FactorOf(uom);
        if (factor is null)
        {
            var known = string.Join(", ", product.Units.Select(u => u.Uom).Prepend(product.Uom));
            errors.Add($"{field}.uom", $"Unknown unit '{uom}' for this product. Known: {known}");
            return null;
        }

        // Checked before multiplying: value × factor can pass both numeric(19,4) and decimal's own range.
        var value = quantity.Value!.Value;
        if (Math.Abs(value) > QuantityLimits.Max / factor.Value)
        {
            errors.Add($"{field}.value", $"In the base unit ({factor.Value:0.####} per {uom}) this exceeds the largest quantity, {QuantityLimits.Max:0.####}");
            return null;
        }

        return (value * factor.Value, new QuantityValue(value, uom));
    }

}
