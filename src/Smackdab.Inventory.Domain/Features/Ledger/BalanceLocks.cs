using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Balances;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>
/// Locks the balance rows a change touches, creating missing ones first. Rows are always created and locked in one
/// order (product id, then location id, byte-wise), so concurrent transfers in opposite directions cannot deadlock.
/// Must run inside a database transaction.
/// </summary>
public static class BalanceLocks
{
    public static async Task<Dictionary<(string ProductId, string LocationId), InventoryBalance>> LockAsync(
        InventoryDbContext db, string organizationId, IEnumerable<(string ProductId, string LocationId)> pairs, DateTime now, CancellationToken ct)
    {
        var sorted = pairs.Distinct()
            .OrderBy(p => p.ProductId, StringComparer.Ordinal)
            .ThenBy(p => p.LocationId, StringComparer.Ordinal)
            .ToArray();
        var products = sorted.Select(p => p.ProductId).ToArray();
        var locations = sorted.Select(p => p.LocationId).ToArray();

        await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO inventory_balances (organization_id, product_id, location_id, on_hand, allocated, version, updated_at)
            SELECT @org, t.p, t.l, 0, 0, 1, @now
            FROM unnest(@products, @locations) WITH ORDINALITY AS t(p, l, n)
            ORDER BY t.n
            ON CONFLICT (organization_id, product_id, location_id) DO NOTHING
            """,
            [Text("org", organizationId), new NpgsqlParameter("now", now), TextArray("products", products), TextArray("locations", locations)],
            ct);

        var rows = await db.InventoryBalances
            .FromSqlRaw(
                """
                SELECT * FROM inventory_balances
                WHERE organization_id = @org
                  AND (product_id, location_id) IN (SELECT * FROM unnest(@products, @locations))
                ORDER BY product_id COLLATE "C", location_id COLLATE "C"
                FOR UPDATE
                """,
                Text("org", organizationId), TextArray("products", products), TextArray("locations", locations))
            .IgnoreQueryFilters()
            .ToListAsync(ct);

        return rows.ToDictionary(b => (b.ProductId, b.LocationId));
    }

    private static NpgsqlParameter Text(string name, string value) => new(name, NpgsqlDbType.Text) { Value = value };

    private static NpgsqlParameter TextArray(string name, string[] values) => new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values };
}
