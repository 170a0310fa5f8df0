using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Allocations;

/// <summary>Allocations raise a balance's allocated and never exceed what is on hand; releases and fulfilments lower it.</summary>
public sealed class AllocationService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Allocation";

    private static readonly IReadOnlyList<SortField<Allocation>> SortFields =
    [
        Pager.Timestamp<Allocation>("created_at", a => a.CreatedAt),
        Pager.Timestamp<Allocation>("updated_at", a => a.UpdatedAt),
    ];

    public async Task<AllocationResponse> CreateAsync(CreateAllocationRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var references = await LedgerReferences.LoadAsync(db, [request.ProductId], [request.LocationId], ct);
        var errors = new ValidationErrors();
        var product = references.Product(request.ProductId, "product_id", errors);
        references.Location(request.LocationId, "location_id", errors);
        var quantity = product is null ? null : LedgerReferences.ToBase(product, request.Quantity!, "quantity", errors);
        errors.ThrowIfAny();
        var (baseQuantity, _) = quantity!.Value;
        var now = clock.GetUtcNow().UtcDateTime;

        return await db.InTransactionAsync(async () =>
        {
            var key = (request.ProductId!, request.LocationId!);
            var balance = (await BalanceLocks.LockAsync(db, organizationId, [key], now, ct))[key];
            // Never beyond what is on hand, whatever the negative-inventory setting says.
            Posting.EnsureAvailable(balance, baseQuantity, allowNegative: false, "quantity.value");
            balance.Allocated += baseQuantity;
            balance.Version++;
            balance.UpdatedAt = now;

            var allocation = new Allocation
            {
                Id = PublicId.New(PublicId.Allocation),
                OrganizationId = organizationId,
                ProductId = request.ProductId!,
                LocationId = request.LocationId!,
                Quantity = baseQuantity,
                Uom = product!.Uom,
                Priority = request.Priority ?? AllocationPriorities.Normal,
                Reference = request.Reference,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Allocations.Add(allocation);
            await db.SaveChangesAsync(ct);
            return AllocationResponse.From(allocation);
        }, ct);
    }

    public async Task<AllocationResponse> GetAsync(string id, CancellationToken ct) =>
        AllocationResponse.From(await db.Allocations.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) ?? throw new NotFoundException(Resource, id));

    public async Task<PagedResult<AllocationResponse>> ListAsync(ListRequest request, CancellationToken ct)
    {
        var query = db.Allocations.AsNoTracking()
            .WhereFilter(request, "priority", a => a.Priority)
            .WhereFilter(request, "status", a => a.Status)
            .WhereFilter(request, "product_id", a => a.ProductId)
            .WhereFilter(request, "location_id", a => a.LocationId)
            .WhereFilter(request, "reference", a => a.Reference);

        var page = await Pager.PageAsync(query, request, SortFields, a => a.Id, ct);
        return page.Map(a => AllocationResponse.From(a));
    }

    public Task<AllocationResponse> ReleaseAsync(string id, AllocationQuantityRequest request, CancellationToken ct) =>
        ChangeAsync(id, request, fulfil: false, ct);

    /// <summary>Ships allocated stock: a shipment ledger row that lowers on_hand and allocated together.</summary>
    public Task<AllocationResponse> FulfilAsync(string id, AllocationQuantityRequest request, CancellationToken ct) =>
        ChangeAsync(id, request, fulfil: true, ct);

    private async Task<AllocationResponse> ChangeAsync(string id, AllocationQuantityRequest request, bool fulfil, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            var allocation = await LockAsync(id, organizationId, ct);
            if (allocation.Status != AllocationStatuses.Pending)
            {
                throw new ConflictException($"The allocation is {allocation.Status}", new Dictionary<string, object?> { ["status"] = allocation.Status });
            }

            var product = await db.Products.AsNoTracking().IgnoreQueryFilters().FirstAsync(p => p.Id == allocation.ProductId, ct);
            var quantity = request.Quantity is null
                ? (Base: allocation.OpenQuantity, Input: new QuantityValue(allocation.OpenQuantity, allocation.Uom))
                : ToBase(product, request.Quantity);
            if (quantity.Base > allocation.OpenQuantity)
            {
                throw new ValidationFailedException("quantity.value", $"Must not exceed the open quantity {allocation.OpenQuantity} {allocation.Uom}");
            }

            var key = (allocation.ProductId, allocation.LocationId);
            var balance = (await BalanceLocks.LockAsync(db, organizationId, [key], now, ct))[key];
            balance.Allocated -= quantity.Base;
            TransactionResponse? shipment = null;
            if (fulfil)
            {
                var row = Posting.Book(balance, TransactionTypes.Shipment, -quantity.Base, quantity.Input, now, r =>
                {
                    r.AllocationId = allocation.Id;
                    r.Reference = request.Reference ?? allocation.Reference;
                    r.Notes = request.Notes;
                });
                db.InventoryTransactions.Add(row);
                shipment = TransactionResponse.From(row);
                allocation.FulfilledQuantity += quantity.Base;
            }
            else
            {
                balance.Version++;
                balance.UpdatedAt = now;
                allocation.ReleasedQuantity += quantity.Base;
            }

            if (allocation.OpenQuantity == 0)
            {
                allocation.Status = allocation.FulfilledQuantity == allocation.Quantity ? AllocationStatuses.Fulfilled
                    : allocation.ReleasedQuantity == allocation.Quantity ? AllocationStatuses.Released
                    : AllocationStatuses.Closed;
            }

            allocation.Version++;
            allocation.UpdatedAt = now;
            await db.SaveChangesAsync(ct);
            return AllocationResponse.From(allocation, shipment);
        }, ct);
    }

    private static (decimal Base, QuantityValue Input) ToBase(Products.Product product, QuantityDto quantity)
    {
        var errors = new ValidationErrors();
        var converted = LedgerReferences.ToBase(product, quantity, "quantity", errors);
        errors.ThrowIfAny();
        return converted!.Value;
    }

    private async Task<Allocation> LockAsync(string id, string organizationId, CancellationToken ct)
    {
        // Through the tenant filters first (branch isolation included), then locked.
        if (!await db.Allocations.AnyAsync(a => a.Id == id, ct))
        {
            throw new NotFoundException(Resource, id);
        }

        var rows = await db.Allocations
            .FromSqlInterpolated($"SELECT * FROM allocations WHERE id = {id} AND organization_id = {organizationId} FOR UPDATE")
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        return rows.FirstOrDefault() ?? throw new NotFoundException(Resource, id);
    }
}
