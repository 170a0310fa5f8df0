using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>Options of the ledger (section "Ledger").</summary>
public sealed class LedgerOptions
{
    public const string Section = "Ledger";

    public int DefaultHoldTtlSeconds { get; set; } = 300;

    /// <summary>How often expired holds are released.</summary>
    public double HoldExpiryIntervalSeconds { get; set; } = 5;
}

/// <summary>
/// Two-phase holds: prepare reserves debits against available stock at once (they count as allocated);
/// commit books all operations; abort or expiry releases the reservation.
/// </summary>
public sealed class HoldService(InventoryDbContext db, TenantContext tenant, TimeProvider clock, Microsoft.Extensions.Options.IOptions<LedgerOptions> options)
{
    public const string Resource = "Prepared transaction";

    public async Task<HoldResponse> PrepareAsync(PrepareHoldRequest request, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var operations = request.Operations!;
        var references = await LedgerReferences.LoadAsync(db, operations.Select(o => o.ProductId), operations.Select(o => o.LocationId), ct);
        var errors = new ValidationErrors();
        var planned = new List<HoldOperation>();
        for (var i = 0; i < operations.Count; i++)
        {
            var op = operations[i];
            var path = $"operations[{i}].";
            var product = references.Product(op.ProductId, path + "product_id", errors);
            var found = references.Location(op.LocationId, path + "location_id", errors);
            if (product is null || !found || LedgerReferences.ToBase(product, op.Quantity!, path + "quantity", errors) is not { } q)
            {
                continue;
            }

            planned.Add(new HoldOperation
            {
                Type = op.Type!, ProductId = op.ProductId!, LocationId = op.LocationId!,
                BaseQuantity = q.Base, InputQuantity = q.Input.Value, InputUom = q.Input.Uom,
            });
        }

        // Ids are unique per organization (row 10 of issue 8): another organization's ids are neither visible nor blocking.
        // Another branch's hold in this organization is a collision the caller must hear about, so the branch filter is dropped.
        if (request.TransactionId is { } requestedId
            && await db.InventoryHolds.IgnoreQueryFilters([QueryFilterNames.Branch]).AnyAsync(h => h.Id == requestedId, ct))
        {
            errors.Add("transaction_id", "Already used");
        }

        errors.ThrowIfAny();
        var locationIds = planned.Select(o => o.LocationId).Distinct().ToList();
        var branches = await db.Locations.AsNoTracking().Where(l => locationIds.Contains(l.Id)).Select(l => l.BranchId).Distinct().ToListAsync(ct);
        var allowNegative = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.AllowNegativeInventory).FirstAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;

        return await db.InTransactionAsync(async () =>
        {
            var debits = planned.Where(o => o.Type == "debit").ToList();
            var balances = await BalanceLocks.LockAsync(db, organizationId, debits.Select(o => (o.ProductId, o.LocationId)), now, ct);
            foreach (var group in debits.GroupBy(o => (o.ProductId, o.LocationId)))
            {
                var balance = balances[group.Key];
                var total = group.Sum(o => o.BaseQuantity);
                Posting.EnsureAvailable(balance, total, allowNegative, "operations");
                balance.Allocated += total;
                balance.Version++;
                balance.UpdatedAt = now;
            }

            var hold = new InventoryHold
            {
                Id = request.TransactionId ?? PublicId.New(PublicId.Transaction),
                OrganizationId = organizationId,
                BranchId = branches.Count == 1 ? branches[0] : null,
                Operations = planned,
                Reference = request.Reference,
                CreatedAt = now,
                ExpiresAt = now.AddSeconds(request.TtlSeconds ?? options.Value.DefaultHoldTtlSeconds),
            };
            db.InventoryHolds.Add(hold);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // A concurrent prepare took the same transaction_id between the check above and this insert.
                throw new ValidationFailedException("transaction_id", "Already used");
            }

            return HoldResponse.From(hold);
        }, ct);
    }

    public async Task<HoldResponse> GetAsync(string id, CancellationToken ct)
    {
        var hold = await db.InventoryHolds.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, ct) ?? throw new NotFoundException(Resource, id);
        var rows = await db.InventoryTransactions.AsNoTracking().Where(t => t.HoldId == id).OrderBy(t => t.CreatedAt).ToListAsync(ct);
        return HoldResponse.From(hold, rows.Select(TransactionResponse.From).ToList());
    }

    public async Task<HoldResponse> CommitAsync(string id, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            var hold = await LockHoldAsync(id, ct);
            if (hold.Status == HoldStatuses.Committed)
            {
                return await GetAsync(id, ct);
            }

            EnsurePrepared(hold, now);
            var balances = await BalanceLocks.LockAsync(db, organizationId, hold.Operations.Select(o => (o.ProductId, o.LocationId)), now, ct);
            var rows = new List<InventoryTransaction>();
            foreach (var op in hold.Operations)
            {
                var balance = balances[(op.ProductId, op.LocationId)];
                var input = new QuantityValue(op.InputQuantity, op.InputUom);
                if (op.Type == "debit")
                {
                    balance.Allocated -= op.BaseQuantity;
                    rows.Add(Posting.Book(balance, TransactionTypes.HoldDebit, -op.BaseQuantity, input, now, r => { r.HoldId = hold.Id; r.Reference = hold.Reference; }));
                }
                else
                {
                    rows.Add(Posting.Book(balance, TransactionTypes.HoldCredit, op.BaseQuantity, input, now, r => { r.HoldId = hold.Id; r.Reference = hold.Reference; }));
                }
            }

            hold.Status = HoldStatuses.Committed;
            hold.CompletedAt = now;
            db.InventoryTransactions.AddRange(rows);
            await db.SaveChangesAsync(ct);
            return HoldResponse.From(hold, rows.Select(TransactionResponse.From).ToList());
        }, ct);
    }

    public async Task<HoldResponse> AbortAsync(string id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            var hold = await LockHoldAsync(id, ct);
            if (hold.Status is HoldStatuses.Aborted or HoldStatuses.Expired)
            {
                return HoldResponse.From(hold);
            }

            if (hold.Status == HoldStatuses.Committed)
            {
                throw new ConflictException("The transaction is already committed", new Dictionary<string, object?> { ["status"] = hold.Status });
            }

            await ReleaseAsync(hold, HoldStatuses.Aborted, now, ct);
            await db.SaveChangesAsync(ct);
            return HoldResponse.From(hold);
        }, ct);
    }

    /// <summary>Releases holds whose time is up, across all organizations; safe to run on many instances at once.</summary>
    public async Task<int> ExpireDueAsync(int batchSize, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.InTransactionAsync(async () =>
        {
            var due = await db.InventoryHolds
                .FromSqlInterpolated($"SELECT * FROM inventory_holds WHERE status = 'prepared' AND expires_at <= {now} ORDER BY expires_at LIMIT {batchSize} FOR UPDATE SKIP LOCKED")
                .IgnoreQueryFilters()
                .ToListAsync(ct);
            foreach (var hold in due)
            {
                await ReleaseAsync(hold, HoldStatuses.Expired, now, ct);
            }

            await db.SaveChangesAsync(ct);
            return due.Count;
        }, ct);
    }

    private async Task ReleaseAsync(InventoryHold hold, string status, DateTime now, CancellationToken ct)
    {
        var debits = hold.Operations.Where(o => o.Type == "debit").ToList();
        var balances = await BalanceLocks.LockAsync(db, hold.OrganizationId, debits.Select(o => (o.ProductId, o.LocationId)), now, ct);
        foreach (var op in debits)
        {
            var balance = balances[(op.ProductId, op.LocationId)];
            balance.Allocated -= op.BaseQuantity;
            balance.Version++;
            balance.UpdatedAt = now;
        }

        hold.Status = status;
        hold.CompletedAt = now;
    }

    private static void EnsurePrepared(InventoryHold hold, DateTime now)
    {
        if (hold.Status == HoldStatuses.Prepared && hold.ExpiresAt <= now)
        {
            throw new ConflictException("The prepared transaction has expired; its hold is released", new Dictionary<string, object?>
            {
                ["status"] = HoldStatuses.Expired,
                ["expired_at"] = hold.ExpiresAt,
            });
        }

        if (hold.Status != HoldStatuses.Prepared)
        {
            throw new ConflictException($"The transaction is {hold.Status}", new Dictionary<string, object?> { ["status"] = hold.Status });
        }
    }

    private async Task<InventoryHold> LockHoldAsync(string id, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        // Visible through the tenant and branch filters first: a hold of another branch is "not found" to an isolated caller.
        if (!await db.InventoryHolds.AnyAsync(h => h.Id == id, ct))
        {
            throw new NotFoundException(Resource, id);
        }

        var rows = await db.InventoryHolds
            .FromSqlInterpolated($"SELECT * FROM inventory_holds WHERE id = {id} AND organization_id = {organizationId} FOR UPDATE")
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        return rows.FirstOrDefault() ?? throw new NotFoundException(Resource, id);
    }
}
