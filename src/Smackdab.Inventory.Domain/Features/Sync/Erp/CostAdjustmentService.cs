using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync.Erp;

/// <summary>
/// Revalues the average unit cost of one product at one location. The balance is locked, and the adjustment, its ledger row
/// (type cost_adjustment, quantity change 0, so the audit still sums) and the new cost commit together.
/// </summary>
public sealed class CostAdjustmentService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Cost adjustment";

    private static readonly IReadOnlyList<SortField<CostAdjustment>> SortFields = [Pager.Timestamp<CostAdjustment>("created_at", a => a.CreatedAt)];

    public async Task<CostAdjustmentResponse> CreateAsync(CreateCostAdjustmentRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == request.ProductId, ct)
            ?? throw new ValidationFailedException("product_id", "Product not found");
        var locationType = await db.Locations.Where(l => l.Id == request.LocationId).Select(l => l.Type).FirstOrDefaultAsync(ct)
            ?? throw new ValidationFailedException("location_id", "Location not found");
        var now = clock.GetUtcNow().UtcDateTime;
        var cost = request.NewCost!;

        return await db.InTransactionAsync(async () =>
        {
            var balance = (await BalanceLocks.LockAsync(db, organizationId, [(product.Id, request.LocationId!)], now, ct))[(product.Id, request.LocationId!)];
            if (balance.CostCurrency is { } currency && currency != cost.Currency && balance.OnHand > 0)
            {
                throw new ValidationFailedException("new_cost.currency", $"Stock at this location is costed in {currency}");
            }

            var previous = balance.AverageUnitCost;
            var impact = Math.Round((cost.Amount - (previous ?? 0m)) * balance.OnHand, 4);
            balance.AverageUnitCost = Math.Round(cost.Amount, 4);
            balance.CostCurrency = cost.Currency;
            var row = Posting.Book(balance, ErpExportWriter.CostAdjustmentType, 0m, new QuantityValue(0m, product.Uom), now, r =>
            {
                r.UnitCostAmount = cost.Amount;
                r.UnitCostCurrency = cost.Currency;
                r.Reference = request.Reason;
                r.Notes = $"Cost {previous?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"} → {cost.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            });
            var adjustment = new CostAdjustment
            {
                Id = SyncIds.New(SyncIds.CostAdjustment),
                OrganizationId = organizationId,
                ProductId = product.Id,
                LocationId = request.LocationId!,
                AdjustmentType = request.AdjustmentType ?? CostAdjustmentTypes.StandardCostUpdate,
                PreviousCost = previous,
                NewCost = cost.Amount,
                Currency = cost.Currency,
                QuantityAffected = balance.OnHand,
                TotalImpact = impact,
                Reason = request.Reason,
                ApprovedBy = request.ApprovedBy,
                EffectiveDate = request.EffectiveDate is { } effective ? DateTime.SpecifyKind(effective.ToUniversalTime(), DateTimeKind.Utc) : now,
                TransactionId = row.Id,
                CreatedAt = now,
            };
            db.InventoryTransactions.Add(row);
            db.CostAdjustments.Add(adjustment);
            await db.SaveChangesAsync(ct);
            var gl = GlAccountService.Resolver(await db.GlAccountMappings.AsNoTracking().ToListAsync(ct));
            return ToResponse(adjustment, gl(ErpExportWriter.CostAdjustmentType, locationType));
        }, ct);
    }

    public async Task<CostAdjustmentResponse> GetAsync(string id, CancellationToken ct)
    {
        var adjustment = await db.CostAdjustments.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException(Resource, id);
        var gl = GlAccountService.Resolver(await db.GlAccountMappings.AsNoTracking().ToListAsync(ct));
        var locationType = await db.Locations.IgnoreQueryFilters().Where(l => l.Id == adjustment.LocationId).Select(l => l.Type).FirstOrDefaultAsync(ct);
        return ToResponse(adjustment, gl(ErpExportWriter.CostAdjustmentType, locationType));
    }

    public async Task<PagedResult<CostAdjustmentResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var gl = GlAccountService.Resolver(await db.GlAccountMappings.AsNoTracking().ToListAsync(ct));
        var query = db.CostAdjustments.AsNoTracking()
            .WhereFilter(request, "product_id", a => a.ProductId)
            .WhereFilter(request, "location_id", a => a.LocationId)
            .WhereFilter(request, "adjustment_type", a => a.AdjustmentType);
        return (await Pager.PageAsync(query, request, SortFields, a => a.Id, ct)).Map(a => ToResponse(a, gl(ErpExportWriter.CostAdjustmentType, null)));
    }

    private static CostAdjustmentResponse ToResponse(CostAdjustment a, string glAccount) => new(
        a.Id, a.ProductId, a.LocationId, a.AdjustmentType, a.PreviousCost, a.NewCost, a.Currency, a.QuantityAffected, a.TotalImpact,
        a.Reason, a.ApprovedBy, a.EffectiveDate, a.TransactionId, glAccount, a.CreatedAt);
}
