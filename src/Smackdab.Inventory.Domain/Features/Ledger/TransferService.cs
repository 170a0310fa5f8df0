using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>Atomic moves between two locations: an outbound and an inbound ledger row, both balances, or nothing.</summary>
public sealed class TransferService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public async Task<TransferResponse> CreateAsync(CreateTransferRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var references = await LedgerReferences.LoadAsync(db, [request.ProductId], [request.SourceLocationId, request.DestinationLocationId], ct);
        var errors = new ValidationErrors();
        var product = references.Product(request.ProductId, "product_id", errors);
        references.Location(request.SourceLocationId, "source_location_id", errors);
        references.Location(request.DestinationLocationId, "destination_location_id", errors);
        var quantity = product is null ? null : LedgerReferences.ToBase(product, request.Quantity!, "quantity", errors);
        errors.ThrowIfAny();

        var (baseQuantity, input) = quantity!.Value;
        var allowNegative = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.AllowNegativeInventory).FirstAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var transferId = PublicId.New(PublicId.Transfer);

        return await db.InTransactionAsync(async () =>
        {
            var source = (request.ProductId!, request.SourceLocationId!);
            var destination = (request.ProductId!, request.DestinationLocationId!);
            var balances = await BalanceLocks.LockAsync(db, organizationId, [source, destination], now, ct);

            Posting.EnsureAvailable(balances[source], baseQuantity, allowNegative, "quantity.value");
            var sourceCost = balances[source].AverageUnitCost;
            var sourceCurrency = balances[source].CostCurrency;
            var outbound = Posting.Book(balances[source], TransactionTypes.TransferOut, -baseQuantity, input, now, Details);
            if (sourceCost is { } cost && sourceCurrency is not null && (balances[destination].CostCurrency ?? sourceCurrency) == sourceCurrency)
            {
                // Stock carries its cost to the destination.
                Posting.AverageCost(balances[destination], baseQuantity, cost, sourceCurrency);
            }

            var inbound = Posting.Book(balances[destination], TransactionTypes.TransferIn, baseQuantity, input, now, Details);
            db.InventoryTransactions.AddRange(outbound, inbound);
            await db.SaveChangesAsync(ct);
            return new TransferResponse(
                transferId, request.ProductId!, request.SourceLocationId!, request.DestinationLocationId!, input, "completed", request.Reference,
                [TransactionResponse.From(outbound), TransactionResponse.From(inbound)], now);
        }, ct);

        void Details(InventoryTransaction row)
        {
            row.TransferId = transferId;
            row.Reference = request.Reference;
            row.Notes = request.Notes;
        }
    }

    public async Task<TransferResponse> GetAsync(string id, CancellationToken ct)
    {
        var rows = await db.InventoryTransactions.AsNoTracking().Where(t => t.TransferId == id).ToListAsync(ct);
        var outbound = rows.FirstOrDefault(r => r.TransactionType == TransactionTypes.TransferOut);
        var inbound = rows.FirstOrDefault(r => r.TransactionType == TransactionTypes.TransferIn);
        if (outbound is null || inbound is null)
        {
            throw new NotFoundException("Transfer", id);
        }

        return new TransferResponse(
            id, outbound.ProductId, outbound.LocationId, inbound.LocationId, new QuantityValue(outbound.InputQuantity, outbound.InputUom), "completed",
            outbound.Reference, [TransactionResponse.From(outbound), TransactionResponse.From(inbound)], outbound.CreatedAt);
    }
}
