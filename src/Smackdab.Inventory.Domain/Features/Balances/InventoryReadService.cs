using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;

namespace Smackdab.Inventory.Domain.Features.Balances;

/// <summary>Stock read models: per product, per location, and the summary by location group. All read the balances table.</summary>
public sealed class InventoryReadService(InventoryDbContext db)
{
    private static readonly IReadOnlyList<SortField<StockRow>> StockSortFields =
    [
        Pager.Text<StockRow>("sku", r => r.Sku),
        Pager.Text<StockRow>("location_id", r => r.LocationId),
        Pager.Text<StockRow>("location_name", r => r.LocationName),
        Pager.Timestamp<StockRow>("updated_at", r => r.UpdatedAt),
    ];

    private static readonly IReadOnlyList<SortField<ProductRow>> SummarySortFields =
    [
        Pager.Text<ProductRow>("sku", p => p.Sku),
        Pager.Text<ProductRow>("name", p => p.Name),
    ];

    public async Task<(PagedResult<StockRow> Page, StockTotals Totals)> ForProductAsync(string productId, ListRequest request, CancellationToken ct)
    {
        if (!await db.Products.AnyAsync(p => p.Id == productId, ct))
        {
            throw new NotFoundException("Product", productId);
        }

        var rows = Rows().Where(r => r.ProductId == productId).WhereFilter(request, "location_group", r => r.LocationGroup);

        var totals = await TotalsAsync(rows, ct);
        return (await Pager.PageAsync(rows, request with { Sort = DefaultSort(request, "location_id") }, StockSortFields, r => r.LocationId, ct), totals);
    }

    /// <summary>One balance: a product at a location (zero when nothing was ever booked there).</summary>
    public async Task<StockRow> BalanceAsync(string productId, string locationId, CancellationToken ct)
    {
        var row = await Rows().FirstOrDefaultAsync(r => r.ProductId == productId && r.LocationId == locationId, ct);
        if (row is not null)
        {
            return row;
        }

        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == productId, ct) ?? throw new NotFoundException("Product", productId);
        var location = await db.Locations.AsNoTracking().FirstOrDefaultAsync(l => l.Id == locationId, ct) ?? throw new NotFoundException("Location", locationId);
        return new StockRow
        {
            ProductId = product.Id, Sku = product.Sku, ProductName = product.Name, Uom = product.Uom,
            LocationId = location.Id, LocationName = location.Name, LocationGroup = location.LocationGroup,
            Version = 0, UpdatedAt = product.CreatedAt > location.CreatedAt ? product.CreatedAt : location.CreatedAt,
        };
    }

    public async Task<(PagedResult<StockRow> Page, StockTotals Totals)> ForLocationAsync(string locationId, ListRequest request, CancellationToken ct)
    {
        if (!await db.Locations.AnyAsync(l => l.Id == locationId, ct))
        {
            throw new NotFoundException("Location", locationId);
        }

        var rows = Rows().Where(r => r.LocationId == locationId).WhereFilter(request, "product_id", r => r.ProductId);

        var totals = await TotalsAsync(rows, ct);
        return (await Pager.PageAsync(rows, request with { Sort = DefaultSort(request, "sku") }, StockSortFields, r => r.ProductId, ct), totals);
    }

    /// <summary>Per product, totals across visible locations and per location group: one grouped query over balances.</summary>
    public async Task<PagedResult<ProductSummary>> SummaryAsync(ListRequest request, CancellationToken ct)
    {
        var products = db.Products.AsNoTracking()
            .Select(p => new ProductRow { Id = p.Id, Sku = p.Sku, Name = p.Name, Uom = p.Uom, Category = p.Category })
            .WhereFilter(request, "product_id", p => p.Id)
            .WhereFilter(request, "category", p => p.Category);

        var page = await Pager.PageAsync(products, request with { Sort = DefaultSort(request, "sku") }, SummarySortFields, p => p.Id, ct);
        var ids = page.Items.Select(p => p.Id).ToList();
        var groups = await Rows()
            .Where(r => ids.Contains(r.ProductId))
            .GroupBy(r => new { r.ProductId, r.LocationGroup })
            .Select(g => new { g.Key.ProductId, g.Key.LocationGroup, OnHand = g.Sum(r => r.OnHand), Allocated = g.Sum(r => r.Allocated), Locations = g.Count() })
            .ToListAsync(ct);
        var byProduct = groups.ToLookup(g => g.ProductId);

        return page.Map(p =>
        {
            var rows = byProduct[p.Id].ToList();
            var onHand = rows.Sum(r => r.OnHand);
            var allocated = rows.Sum(r => r.Allocated);
            return new ProductSummary
            {
                ProductId = p.Id,
                Sku = p.Sku,
                Name = p.Name,
                Uom = p.Uom,
                OnHand = onHand,
                Allocated = allocated,
                Available = onHand - allocated,
                LocationCount = rows.Sum(r => r.Locations),
                ByLocationGroup = rows
                    .GroupBy(r => r.LocationGroup ?? "ungrouped")
                    .ToDictionary(g => g.Key, g => new StockTotals(g.Sum(r => r.OnHand), g.Sum(r => r.Allocated), g.Sum(r => r.OnHand - r.Allocated))),
            };
        });
    }

    /// <summary>Balances joined with their (visible) product and location; tenant and branch filters apply through both.</summary>
    private IQueryable<StockRow> Rows() =>
        from b in db.InventoryBalances.AsNoTracking()
        join p in db.Products on b.ProductId equals p.Id
        join l in db.Locations on b.LocationId equals l.Id
        select new StockRow
        {
            ProductId = b.ProductId,
            Sku = p.Sku,
            ProductName = p.Name,
            LocationId = b.LocationId,
            LocationName = l.Name,
            LocationGroup = l.LocationGroup,
            Uom = p.Uom,
            OnHand = b.OnHand,
            Allocated = b.Allocated,
            Available = b.OnHand - b.Allocated,
            AverageUnitCost = b.AverageUnitCost == null ? null : new Money(b.AverageUnitCost.Value, b.CostCurrency ?? "USD"),
            Version = b.Version,
            UpdatedAt = b.UpdatedAt,
        };

    private static async Task<StockTotals> TotalsAsync(IQueryable<StockRow> rows, CancellationToken ct)
    {
        var totals = await rows.GroupBy(_ => 1)
            .Select(g => new { OnHand = g.Sum(r => r.OnHand), Allocated = g.Sum(r => r.Allocated) })
            .FirstOrDefaultAsync(ct);
        return totals is null ? new StockTotals(0, 0, 0) : new StockTotals(totals.OnHand, totals.Allocated, totals.OnHand - totals.Allocated);
    }

    private static string DefaultSort(ListRequest request, string fallback) =>
        request.Sort == "-created_at" ? fallback : request.Sort;

    public sealed record ProductRow
    {
        public string Id { get; init; } = "";

        public string Sku { get; init; } = "";

        public string Name { get; init; } = "";

        public string Uom { get; init; } = "";

        public string? Category { get; init; }
    }
}
