using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Allocations;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Balances;

/// <summary>
/// Recomputes every balance of the organization from first principles: on_hand from the ledger, allocated from open
/// allocations plus prepared holds, and reports each difference. It must always report none.
/// </summary>
public sealed class AuditService(InventoryDbContext db, TenantContext tenant, TimeProvider clock)
{
    public async Task<AuditReport> RunAsync(string? productId, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        // Every row of the organization, including those at soft-deleted locations (an audit that hid rows would prove
        // nothing); in branch-isolated mode, every row at the branch's locations and nothing beyond them.
        var balances = db.InventoryBalances.IgnoreQueryFilters().AsNoTracking().Where(b => b.OrganizationId == organizationId);
        var ledger = db.InventoryTransactions.IgnoreQueryFilters().AsNoTracking().Where(t => t.OrganizationId == organizationId);
        var allocations = db.Allocations.IgnoreQueryFilters().AsNoTracking().Where(a => a.OrganizationId == organizationId && a.Status == AllocationStatuses.Pending);
        // Not branch-filtered by the hold's own branch: a hold spanning branches still reserves stock at this branch's locations.
        var holds = db.InventoryHolds.IgnoreQueryFilters().AsNoTracking().Where(h => h.OrganizationId == organizationId && h.Status == HoldStatuses.Prepared);
        HashSet<string>? branchLocations = null;
        if (tenant.BranchIsolated)
        {
            var branchId = tenant.BranchId;
            var ids = await db.Locations.IgnoreQueryFilters().AsNoTracking()
                .Where(l => l.OrganizationId == organizationId && l.BranchId == branchId).Select(l => l.Id).ToListAsync(ct);
            branchLocations = ids.ToHashSet(StringComparer.Ordinal);
            balances = balances.Where(b => ids.Contains(b.LocationId));
            ledger = ledger.Where(t => ids.Contains(t.LocationId));
            allocations = allocations.Where(a => ids.Contains(a.LocationId));
        }

        if (productId is not null)
        {
            balances = balances.Where(b => b.ProductId == productId);
            ledger = ledger.Where(t => t.ProductId == productId);
            allocations = allocations.Where(a => a.ProductId == productId);
        }

        var balanceRows = await balances.Select(b => new { b.ProductId, b.LocationId, b.OnHand, b.Allocated }).ToListAsync(ct);
        var ledgerSums = await ledger.GroupBy(t => new { t.ProductId, t.LocationId })
            .Select(g => new { g.Key.ProductId, g.Key.LocationId, Sum = g.Sum(t => t.QuantityChange), Rows = g.LongCount() })
            .ToListAsync(ct);
        var allocationSums = await allocations.GroupBy(a => new { a.ProductId, a.LocationId })
            .Select(g => new { g.Key.ProductId, g.Key.LocationId, Sum = g.Sum(a => a.Quantity - a.ReleasedQuantity - a.FulfilledQuantity) })
            .ToListAsync(ct);
        var holdDebits = (await holds.ToListAsync(ct))
            .SelectMany(h => h.Operations)
            .Where(o => o.Type == "debit" && (productId is null || o.ProductId == productId) && (branchLocations is null || branchLocations.Contains(o.LocationId)))
            .GroupBy(o => (o.ProductId, o.LocationId))
            .ToDictionary(g => g.Key, g => g.Sum(o => o.BaseQuantity));

        var expectedOnHand = ledgerSums.ToDictionary(l => (l.ProductId, l.LocationId), l => l.Sum);
        var expectedAllocated = allocationSums.ToDictionary(a => (a.ProductId, a.LocationId), a => a.Sum);
        foreach (var (key, sum) in holdDebits)
        {
            expectedAllocated[key] = expectedAllocated.GetValueOrDefault(key) + sum;
        }

        var mismatches = new List<AuditMismatch>();
        var seen = new HashSet<(string, string)>();
        foreach (var b in balanceRows)
        {
            var key = (b.ProductId, b.LocationId);
            seen.Add(key);
            Compare(key, "on_hand", b.OnHand, expectedOnHand.GetValueOrDefault(key));
            Compare(key, "allocated", b.Allocated, expectedAllocated.GetValueOrDefault(key));
        }

        // Ledger rows or reservations with no balance row at all.
        foreach (var key in expectedOnHand.Keys.Concat(expectedAllocated.Keys).Where(k => !seen.Contains(k)).Distinct())
        {
            Compare(key, "on_hand", 0, expectedOnHand.GetValueOrDefault(key));
            Compare(key, "allocated", 0, expectedAllocated.GetValueOrDefault(key));
        }

        return new AuditReport(balanceRows.Count, ledgerSums.Sum(l => l.Rows), mismatches.Count == 0, mismatches, clock.GetUtcNow().UtcDateTime);

        void Compare((string ProductId, string LocationId) key, string field, decimal actual, decimal expected)
        {
            if (actual != expected)
            {
                mismatches.Add(new AuditMismatch(key.ProductId, key.LocationId, field, actual, expected));
            }
        }
    }
}
