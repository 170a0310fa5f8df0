using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// What the change feed recorded for the load's product: the organization's event sequence must have no gap, and every
/// ledger row exactly one <c>inventory.transaction.created</c> event (none for a write that rolled back). Checked only
/// where the feed's <c>events</c> table exists; the figures say "not present" otherwise, so a skipped check is visible.
/// </summary>
public sealed record EventFeedCheck(bool Present, long Events, long Gaps, int Missing, int Duplicated, int Orphans)
{
    private const string TransactionCreated = "inventory.transaction.created";

    public string Figures => Present
        ? $"events {Events}, sequence gaps {Gaps}, ledger rows without their event {Missing}, duplicated events {Duplicated}, events without a ledger row {Orphans}"
        : "change feed not present (no events table): not checked";

    public bool Held => !Present || (Gaps == 0 && Missing == 0 && Duplicated == 0 && Orphans == 0);

    public static async Task<EventFeedCheck> RunAsync(string connectionString, string productId)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "reliability-check", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('events') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync())!)
            {
                return new EventFeedCheck(false, 0, 0, 0, 0, 0);
            }
        }

        long events, gaps;
        await using (var sequence = new NpgsqlCommand(
            """
            SELECT count(*), coalesce(max(sequence) - min(sequence) + 1 - count(*), 0)
            FROM events
            WHERE organization_id = (SELECT organization_id FROM inventory_transactions WHERE product_id = @p LIMIT 1)
            """, connection))
        {
            sequence.Parameters.AddWithValue("p", productId);
            await using var reader = await sequence.ExecuteReaderAsync();
            await reader.ReadAsync();
            (events, gaps) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        var ledger = new HashSet<string>();
        await using (var rows = new NpgsqlCommand("SELECT id FROM inventory_transactions WHERE product_id = @p", connection))
        {
            rows.Parameters.AddWithValue("p", productId);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ledger.Add(reader.GetString(0));
            }
        }

        var perTransaction = new Dictionary<string, int>();
        await using (var created = new NpgsqlCommand("SELECT resource_id FROM events WHERE event_type = @t AND product_id = @p", connection))
        {
            created.Parameters.AddWithValue("t", TransactionCreated);
            created.Parameters.AddWithValue("p", productId);
            await using var reader = await created.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetString(0);
                perTransaction[id] = perTransaction.GetValueOrDefault(id) + 1;
            }
        }

        return new EventFeedCheck(
            true,
            events,
            gaps,
            ledger.Count(id => !perTransaction.ContainsKey(id)),
            perTransaction.Count(p => p.Value > 1),
            perTransaction.Keys.Count(id => !ledger.Contains(id)));
    }
}
