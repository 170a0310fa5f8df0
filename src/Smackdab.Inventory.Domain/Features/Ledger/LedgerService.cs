using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Paging;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>Posts inventory transactions (single and batch) and reads the ledger.</summary>
public sealed class LedgerService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public const string Resource = "Transaction";

    private static readonly IReadOnlyList<SortField<InventoryTransaction>> SortFields =
    [
        Pager.Timestamp<InventoryTransaction>("created_at", t => t.CreatedAt),
    ];

    public async Task<TransactionResponse> PostAsync(CreateTransactionRequest request, CancellationToken ct) =>
        (await PostManyAsync([request], batch: false, ct))[0];

    /// <summary>All-or-nothing: every transaction is checked first, then all are booked in one database transaction.</summary>
    public async Task<IReadOnlyList<TransactionResponse>> PostManyAsync(IReadOnlyList<CreateTransactionRequest> requests, bool batch, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var references = await LedgerReferences.LoadAsync(db, requests.Select(r => r.ProductId), requests.Select(r => r.LocationId), ct);
        var errors = new ValidationErrors();
        var planned = new List<(CreateTransactionRequest Request, string Path, decimal Base, QuantityValue Input, decimal Factor)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var path = batch ? $"transactions[{i}]." : "";
            var product = references.Product(request.ProductId, path + "product_id", errors);
            var locationFound = references.Location(request.LocationId, path + "location_id", errors);
            if (product is null || !locationFound)
            {
                continue;
            }

            var quantity = LedgerReferences.ToBase(product, request.Quantity!, path + "quantity", errors);
            if (quantity is { } q)
            {
                planned.Add((request, path, q.Base, q.Input, product.FactorOf(q.Input.Uom)!.Value));
            }
        }

        errors.ThrowIfAny();
        var allowNegative = await AllowNegativeAsync(organizationId, ct);
        var now = clock.GetUtcNow().UtcDateTime;

        return await db.InTransactionAsync(async () =>
        {
            var balances = await BalanceLocks.LockAsync(db, organizationId, planned.Select(p => (p.Request.ProductId!, p.Request.LocationId!)), now, ct);
            var rows = new List<InventoryTransaction>();
            foreach (var item in planned)
            {
                var balance = balances[(item.Request.ProductId!, item.Request.LocationId!)];
                rows.Add(Apply(balance, item.Request, item.Path, item.Base, item.Input, item.Factor, allowNegative, now));
            }

            db.InventoryTransactions.AddRange(rows);
            await db.SaveChangesAsync(ct);
            return (IReadOnlyList<TransactionResponse>)rows.Select(TransactionResponse.From).ToList();
        }, ct);
    }

    public async Task<TransactionResponse> GetAsync(string id, CancellationToken ct) =>
        TransactionResponse.From(await db.InventoryTransactions.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct)
            ?? throw new NotFoundException(Resource, id));

    public async Task<PagedResult<TransactionResponse>> ListAsync(ListRequest request, DateTime? startDate, DateTime? endDate, CancellationToken ct)
    {
        var query = db.InventoryTransactions.AsNoTracking()
            .WhereFilter(request, "product_id", t => t.ProductId)
            .WhereFilter(request, "location_id", t => t.LocationId)
            .WhereFilter(request, "transaction_type", t => t.TransactionType)
            .WhereFilter(request, "reference", t => t.Reference);

        if (startDate is { } start)
        {
            query = query.Where(t => t.CreatedAt >= start);
        }

        if (endDate is { } end)
        {
            query = query.Where(t => t.CreatedAt < end);
        }

        var page = await Pager.PageAsync(query, request, SortFields, t => t.Id, ct);
        return page.Map(TransactionResponse.From);
    }

    private InventoryTransaction Apply(
        InventoryBalance balance, CreateTransactionRequest request, string path, decimal baseQuantity, QuantityValue input, decimal factor, bool allowNegative, DateTime now)
    {
        if (request.ExpectedQuantity is { } expected && expected != balance.OnHand)
        {
            throw new ConflictException("The quantity has changed since you read it", new Dictionary<string, object?>
            {
                ["field"] = path + "expected_quantity",
                ["current_quantity"] = balance.OnHand,
                ["expected_quantity"] = expected,
            });
        }

        var change = request.TransactionType switch
        {
            TransactionTypes.Receipt or TransactionTypes.Return => baseQuantity,
            TransactionTypes.Shipment => -baseQuantity,
            TransactionTypes.Adjustment => baseQuantity,
            TransactionTypes.Count => baseQuantity - balance.OnHand,
            _ => throw new ValidationFailedException(path + "transaction_type", "Unsupported transaction type"),
        };

        if (request.TransactionType == TransactionTypes.Count)
        {
            // A count may lower on_hand, but never below what is promised to allocations and holds.
            if (!allowNegative && baseQuantity < balance.Allocated)
            {
                throw new InsufficientStockException(balance.ProductId, balance.LocationId, requested: balance.Allocated, available: baseQuantity, path + "quantity.value");
            }
        }
        else if (change < 0)
        {
            Posting.EnsureAvailable(balance, -change, allowNegative, path + "quantity.value");
        }

        if (request.UnitCost is { } cost && change > 0 && request.TransactionType == TransactionTypes.Receipt)
        {
            if (balance.CostCurrency is not null && balance.CostCurrency != cost.Currency && balance.OnHand > 0)
            {
                throw new ValidationFailedException(path + "unit_cost.currency", $"Stock at this location is costed in {balance.CostCurrency}");
            }

            Posting.AverageCost(balance, change, cost.Amount / factor, cost.Currency);
        }

        return Posting.Book(balance, request.TransactionType!, change, input, now, row =>
        {
            row.UnitCostAmount = request.UnitCost?.Amount;
            row.UnitCostCurrency = request.UnitCost?.Currency;
            row.ReasonCode = request.ReasonCode;
            row.Reference = request.Reference;
            row.Notes = request.Notes;
        });
    }

    private Task<bool> AllowNegativeAsync(string organizationId, CancellationToken ct) =>
        db.Organizations.Where(o => o.Id == organizationId).Select(o => o.AllowNegativeInventory).FirstAsync(ct);
}
