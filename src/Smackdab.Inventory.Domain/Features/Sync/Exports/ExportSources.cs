using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Sync.Exports;

/// <summary>
/// The rows of each export data type as flat records. Queries ignore the context's filters and state the organization
/// (and branch) explicitly, so that a transaction of a since-deleted product still carries its SKU.
/// </summary>
public static class ExportSources
{
    public static readonly IReadOnlyList<string> TransactionColumns =
    [
        "transaction_id", "transaction_type", "product_id", "sku", "location_id", "location_code", "quantity", "uom",
        "quantity_change", "unit_cost", "currency", "reason_code", "reference", "notes", "created_at",
    ];

    public static readonly IReadOnlyList<string> BalanceColumns =
    [
        "product_id", "sku", "location_id", "location_code", "on_hand", "allocated", "available", "average_unit_cost", "currency", "version", "updated_at",
    ];

    public static readonly IReadOnlyList<string> ProductColumns =
    [
        "product_id", "sku", "name", "status", "category", "description", "price", "currency", "uom", "units", "created_at", "updated_at",
    ];

    public static IReadOnlyList<string> Columns(string dataType) => dataType switch
    {
        ExportDataTypes.Balances => BalanceColumns,
        ExportDataTypes.Products => ProductColumns,
        _ => TransactionColumns,
    };

    public static Task<int> CountAsync(InventoryDbContext db, ExportJob job, CancellationToken ct) => job.DataType switch
    {
        ExportDataTypes.Balances => Balances(db, job).CountAsync(ct),
        ExportDataTypes.Products => Products(db, job).CountAsync(ct),
        _ => Transactions(db, job).CountAsync(ct),
    };

    public static IAsyncEnumerable<object?[]> Rows(InventoryDbContext db, ExportJob job) => job.DataType switch
    {
        ExportDataTypes.Balances => Balances(db, job).AsAsyncEnumerable(),
        ExportDataTypes.Products => ProductRows(db, job),
        _ => Transactions(db, job).AsAsyncEnumerable(),
    };

    private static IQueryable<object?[]> Transactions(InventoryDbContext db, ExportJob job)
    {
        var org = job.OrganizationId;
        var query = db.InventoryTransactions.IgnoreQueryFilters().AsNoTracking().Where(t => t.OrganizationId == org);
        if (job.StartDate is { } start)
        {
            query = query.Where(t => t.CreatedAt >= start);
        }

        if (job.EndDate is { } end)
        {
            query = query.Where(t => t.CreatedAt < end);
        }

        if (job.BranchIsolated)
        {
            var branch = job.BranchId;
            query = query.Where(t => db.Locations.IgnoreQueryFilters().Any(l => l.Id == t.LocationId && l.BranchId == branch));
        }

        return from t in query
               join p in db.Products.IgnoreQueryFilters() on t.ProductId equals p.Id
               join l in db.Locations.IgnoreQueryFilters() on t.LocationId equals l.Id
               orderby t.CreatedAt, t.Id
               select new object?[]
               {
                   t.Id, t.TransactionType, t.ProductId, p.Sku, t.LocationId, l.Code, t.InputQuantity, t.InputUom,
                   t.QuantityChange, t.UnitCostAmount, t.UnitCostCurrency, t.ReasonCode, t.Reference, t.Notes, t.CreatedAt,
               };
    }

    private static IQueryable<object?[]> Balances(InventoryDbContext db, ExportJob job)
    {
        var org = job.OrganizationId;
        var branch = job.BranchId;
        var isolated = job.BranchIsolated;
        return from b in db.InventoryBalances.IgnoreQueryFilters().AsNoTracking()
               join p in db.Products.IgnoreQueryFilters() on b.ProductId equals p.Id
               join l in db.Locations.IgnoreQueryFilters() on b.LocationId equals l.Id
               where b.OrganizationId == org && p.DeletedAt == null && l.DeletedAt == null && (!isolated || l.BranchId == branch)
               orderby p.Sku, l.Id
               select new object?[]
               {
                   b.ProductId, p.Sku, b.LocationId, l.Code, b.OnHand, b.Allocated, b.OnHand - b.Allocated, b.AverageUnitCost, b.CostCurrency, b.Version, b.UpdatedAt,
               };
    }

    private static IQueryable<Products.Product> Products(InventoryDbContext db, ExportJob job)
    {
        var org = job.OrganizationId;
        var query = db.Products.IgnoreQueryFilters().AsNoTracking().Where(p => p.OrganizationId == org && p.DeletedAt == null);
        if (job.StartDate is { } start)
        {
            query = query.Where(p => p.UpdatedAt >= start);
        }

        if (job.EndDate is { } end)
        {
            query = query.Where(p => p.UpdatedAt < end);
        }

        return query.OrderBy(p => p.Sku);
    }

    private static async IAsyncEnumerable<object?[]> ProductRows(InventoryDbContext db, ExportJob job)
    {
        await foreach (var p in Products(db, job).AsAsyncEnumerable())
        {
            yield return
            [
                p.Id, p.Sku, p.Name, p.Status, p.Category, p.Description, p.PriceAmount, p.PriceCurrency, p.Uom,
                ProductUnitsText.Format(p.Units), p.CreatedAt, p.UpdatedAt,
            ];
        }
    }
}

/// <summary>Product units as one CSV-friendly text: "CASE:12|PACK:6".</summary>
public static class ProductUnitsText
{
    public static string? Format(IReadOnlyList<Products.ProductUnit> units) =>
        units.Count == 0 ? null : string.Join('|', units.Select(u => $"{u.Uom}:{u.Factor.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>Parses the text form; null when it is malformed.</summary>
    public static List<Products.ProductUnit>? Parse(string? text)
    {
        var units = new List<Products.ProductUnit>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return units;
        }

        foreach (var part in text.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(':', StringSplitOptions.TrimEntries);
            if (pieces.Length != 2
                || pieces[0].Length == 0
                || !decimal.TryParse(pieces[1], System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var factor))
            {
                return null;
            }

            units.Add(new Products.ProductUnit { Uom = pieces[0], Factor = factor });
        }

        return units;
    }
}
