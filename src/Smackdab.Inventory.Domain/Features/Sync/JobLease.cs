using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Sync;

/// <summary>
/// The one way background jobs (exports, imports) are claimed: the oldest row in one of <c>statuses</c> whose lease is free or
/// lapsed is given to <c>owner</c> until <c>until</c>, with FOR UPDATE SKIP LOCKED so that concurrent instances never take the same row.
/// </summary>
public static class JobLease
{
    public static async Task<string?> ClaimAsync(
        InventoryDbContext db, string table, IReadOnlyList<string> statuses, string owner, DateTime now, DateTime until, CancellationToken ct)
    {
        // The table name is one of our constants, never input; every value is a parameter.
        var sql = $$"""
            UPDATE {{table}} SET lease_owner = {0}, lease_expires_at = {1}, attempts = attempts + 1, updated_at = {2}
            WHERE id = (
                SELECT id FROM {{table}}
                WHERE status = ANY({3}) AND (lease_expires_at IS NULL OR lease_expires_at < {2})
                ORDER BY created_at LIMIT 1
                FOR UPDATE SKIP LOCKED)
            RETURNING id AS "Value"
            """;
        var claimed = await db.Database.SqlQueryRaw<string>(sql, owner, until, now, statuses.ToArray()).ToListAsync(ct);
        return claimed.FirstOrDefault();
    }
}
