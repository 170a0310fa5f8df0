using Microsoft.EntityFrameworkCore;
using Npgsql;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Products;

public sealed class ProductService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Product";

    public static readonly IReadOnlyList<string> Includes = ["inventory", "pricing"];

    private static readonly IReadOnlyList<SortField<Product>> SortFields =
    [
        Pager.Timestamp<Product>("created_at", p => p.CreatedAt),
        Pager.Timestamp<Product>("updated_at", p => p.UpdatedAt),
        Pager.Text<Product>("name", p => p.Name),
        Pager.Text<Product>("sku", p => p.Sku),
    ];

    public async Task<PagedResult<ProductResponse>> ListAsync(ListRequest request, IReadOnlyCollection<string> include, CancellationToken ct)
    {
        var query = db.Products.AsNoTracking()
            .WhereFilter(request, "status", p => p.Status)
            .WhereFilter(request, "category", p => p.Category);

        if (!string.IsNullOrWhiteSpace(request.Search))
        {
            var pattern = "%" + EscapeLike(request.Search.Trim()) + "%";
            query = query.Where(p => EF.Functions.ILike(p.Sku, pattern) || EF.Functions.ILike(p.Name, pattern));
        }

        var page = await Pager.PageAsync(query, request, SortFields, p => p.Id, ct);
        var responses = page.Items.Select(ProductResponse.From).ToList();
        return new PagedResult<ProductResponse>(await ExpandAsync(responses, include, ct), page.PageInfo);
    }

    public async Task<ProductResponse> GetAsync(string id, IReadOnlyCollection<string> include, CancellationToken ct)
    {
        var product = await FindAsync(id, ct);
        var expanded = await ExpandAsync([ProductResponse.From(product)], include, ct);
        return expanded[0];
    }

    public async Task<ProductWriteRequest> GetWriteModelAsync(string id, CancellationToken ct)
    {
        var p = await FindAsync(id, ct);
        return new ProductWriteRequest
        {
            Sku = p.Sku,
            Name = p.Name,
            Status = p.Status,
            Category = p.Category,
            Description = p.Description,
            Price = p.PriceAmount is { } amount ? new Money(amount, p.PriceCurrency ?? "USD") : null,
            Uom = p.Uom,
            Units = p.Units.Select(u => new UnitDto { Uom = u.Uom, Factor = u.Factor }).ToList(),
        };
    }

    public async Task<ProductResponse> CreateAsync(ProductWriteRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var product = new Product
        {
            Id = PublicId.New(PublicId.Product),
            OrganizationId = tenant.RequireOrganization(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(product, request);
        db.Products.Add(product);
        await SaveAsync(product.Sku, ct);
        return ProductResponse.From(product);
    }

    public async Task<ProductResponse> UpdateAsync(string id, ProductWriteRequest request, int? expectedVersion, CancellationToken ct)
    {
        var product = await FindAsync(id, ct);
        Versioning.EnsureMatches(product.Version, expectedVersion);
        Apply(product, request);
        product.Touch(clock.GetUtcNow().UtcDateTime);
        await SaveAsync(product.Sku, ct);
        return ProductResponse.From(product);
    }

    public async Task<DeletedResponse> DeleteAsync(string id, int? expectedVersion, CancellationToken ct)
    {
        var product = await FindAsync(id, ct);
        Versioning.EnsureMatches(product.Version, expectedVersion);
        var now = clock.GetUtcNow().UtcDateTime;
        product.DeletedAt = now;
        product.Touch(now);
        await Versioning.SaveAsync(db, ct);
        return new DeletedResponse(product.Id, true, now);
    }

    private async Task<Product> FindAsync(string id, CancellationToken ct) =>
        await db.Products.FirstOrDefaultAsync(p => p.Id == id, ct) ?? throw new NotFoundException(Resource, id);

    private static void Apply(Product product, ProductWriteRequest request)
    {
        product.Sku = request.Sku!.Trim();
        product.Name = request.Name!.Trim();
        product.Status = request.Status ?? ProductStatuses.Active;
        product.Category = request.Category;
        product.Description = request.Description;
        product.PriceAmount = request.Price?.Amount;
        product.PriceCurrency = request.Price?.Currency;
        product.Uom = request.Uom ?? "EACH";
        product.Units = (request.Units ?? []).Select(u => new ProductUnit { Uom = u.Uom!, Factor = u.Factor!.Value }).ToList();
    }

    private async Task SaveAsync(string sku, CancellationToken ct)
    {
        try
        {
            await Versioning.SaveAsync(db, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            throw new ConflictException(
                "A product with this SKU already exists",
                new Dictionary<string, object?> { ["sku"] = new[] { $"SKU '{sku}' is already in use" } });
        }
    }

    private async Task<List<ProductResponse>> ExpandAsync(List<ProductResponse> products, IReadOnlyCollection<string> include, CancellationToken ct)
    {
        if (include.Count == 0 || products.Count == 0)
        {
            return products;
        }

        var ids = products.Select(p => p.Id).ToList();
        var balances = await db.InventoryBalances.AsNoTracking()
            .Where(b => ids.Contains(b.ProductId))
            .Where(b => db.Locations.Any(l => l.Id == b.LocationId))
            .Select(b => new { b.ProductId, b.LocationId, b.OnHand, b.Allocated, b.AverageUnitCost, b.CostCurrency })
            .ToListAsync(ct);
        var byProduct = balances.ToLookup(b => b.ProductId);

        return products.Select(p =>
        {
            var rows = byProduct[p.Id].OrderBy(b => b.LocationId, StringComparer.Ordinal).ToList();
            var expanded = p;
            if (include.Contains("inventory"))
            {
                var onHand = rows.Sum(r => r.OnHand);
                var allocated = rows.Sum(r => r.Allocated);
                expanded = expanded with
                {
                    Inventory = new ProductInventory(
                        onHand, allocated, onHand - allocated, p.Uom,
                        rows.Select(r => new LocationStock(r.LocationId, r.OnHand, r.Allocated, r.OnHand - r.Allocated)).ToList()),
                };
            }

            if (include.Contains("pricing"))
            {
                var stocked = rows.Where(r => r.AverageUnitCost is not null && r.OnHand > 0).ToList();
                var quantity = stocked.Sum(r => r.OnHand);
                Money? averageCost = quantity > 0
                    ? new Money(Math.Round(stocked.Sum(r => r.AverageUnitCost!.Value * r.OnHand) / quantity, 4), stocked[0].CostCurrency ?? "USD")
                    : null;
                expanded = expanded with { Pricing = new ProductPricing(p.Price, averageCost) };
            }

            return expanded;
        }).ToList();
    }

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
