using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// Deletes settled webhook deliveries (delivered or dead-lettered) created before a cutoff, with their attempt log
/// (cascade). Pending deliveries are never deleted. Safe on many instances at once (SKIP LOCKED).
/// </summary>
public sealed class WebhookDeliveryRetention(InventoryDbContext db)
{
    public async Task<int> PruneAsync(DateTime cutoff, int batchSize, CancellationToken ct)
    {
        var deleted = await db.Database.SqlQueryRaw<int>(
            """
            WITH doomed AS (
                SELECT id FROM webhook_deliveries
                WHERE created_at < @cutoff AND status IN ('delivered', 'dead_lettered')
                ORDER BY created_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED
            ), gone AS (
                DELETE FROM webhook_deliveries w USING doomed d WHERE w.id = d.id RETURNING 1
            )
            SELECT count(*)::int AS "Value" FROM gone
            """,
            new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = cutoff },
            new NpgsqlParameter("batch", NpgsqlDbType.Integer) { Value = batchSize })
            .ToListAsync(ct);
        return deleted.Single();
    }
}
