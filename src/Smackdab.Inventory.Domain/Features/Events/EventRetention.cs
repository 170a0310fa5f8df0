using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>Deletes events older than retention and records per organization how far the feed has been cut.</summary>
public sealed class EventRetention(InventoryDbContext db)
{
    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> events older than <paramref name="cutoff"/> (of one organization, or of all
    /// when <paramref name="organizationId"/> is null); safe on many instances at once.
    /// </summary>
    public Task<int> PruneAsync(DateTime cutoff, int batchSize, CancellationToken ct, string? organizationId = null) =>
        db.InTransactionAsync(async () =>
        {
            // Oldest first per organization, so that the cut (pruned_through) stays a prefix of each sequence.
            var deleted = await db.Database.SqlQueryRaw<int>(
                """
                WITH doomed AS (
                    SELECT organization_id, sequence FROM events
                    WHERE occurred_at < @cutoff AND (@org::text IS NULL OR organization_id = @org)
                    ORDER BY occurred_at, organization_id, sequence
                    LIMIT @batch
                    FOR UPDATE SKIP LOCKED
                ), gone AS (
                    DELETE FROM events e USING doomed d
                    WHERE e.organization_id = d.organization_id AND e.sequence = d.sequence
                    RETURNING e.organization_id, e.sequence
                ), cut AS (
                    UPDATE event_sequences s SET pruned_through = GREATEST(s.pruned_through, g.through)
                    FROM (SELECT organization_id, max(sequence) AS through FROM gone GROUP BY organization_id) g
                    WHERE s.organization_id = g.organization_id
                    RETURNING 1
                )
                SELECT count(*)::int AS "Value" FROM gone
                """,
                new NpgsqlParameter("cutoff", NpgsqlDbType.TimestampTz) { Value = cutoff },
                new NpgsqlParameter("batch", NpgsqlDbType.Integer) { Value = batchSize },
                new NpgsqlParameter("org", NpgsqlDbType.Text) { Value = (object?)organizationId ?? DBNull.Value })
                .ToListAsync(ct);
            return deleted.Single();
        }, ct);
}
