using System.Data.Common;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Domain.Features.Events;

/// <summary>
/// The appender of the transactional outbox; one per <see cref="InventoryDbContext"/> (<c>db.Outbox</c>).
/// <para>
/// Every <c>SaveChangesAsync</c> of the context derives events from the tracked changes (<see cref="ChangeCapture"/>), adds
/// any appended with <see cref="Append"/>, and inserts them in the same database transaction as the change, after it.
/// Each organization's events are numbered by its counter row in <c>event_sequences</c>
/// (<c>last_sequence = last_sequence + n</c>): the row lock is held until commit, so the numbers have no gaps and commit in
/// order — a reader that has seen sequence N can never later find a committed event below N that it missed.
/// A <c>pg_notify</c> on <see cref="NotificationChannel"/> in the same transaction is delivered only when it commits.
/// </para>
/// </summary>
public sealed class EventOutbox
{
    /// <summary>LISTEN channel; each notification's payload is <c>{organization_id}:{last sequence written}</c>.</summary>
    public const string NotificationChannel = "inventory_events";

    /// <summary>LISTEN channel of the read caches; payload <c>{organization_id}:{last sequence written}:{tags}</c> (see <see cref="CachedDataTags"/>).</summary>
    public const string CacheChannel = "inventory_cache";

    private readonly List<EventDraft> _appended = [];

    // What the open transaction has written, for the caches once it commits (see CommittedChangesInterceptor).
    private readonly List<CommittedChange> _written = [];

    /// <summary>
    /// Adds an event that the change tracker cannot see (for example, one about a change made with SQL). It is written by the
    /// next SaveChangesAsync of this context, in its transaction; the caller must make that happen inside the transaction
    /// of the change itself.
    /// </summary>
    public void Append(EventDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if (!EventTypes.IsKnown(draft.EventType))
        {
            throw new ArgumentException($"Unknown event type '{draft.EventType}': add it to EventTypes and shared/hooks.yaml", nameof(draft));
        }

        _appended.Add(draft);
    }

    internal bool HasAppended => _appended.Count > 0;

    /// <summary>The changes written since the transaction began; clears the list.</summary>
    internal List<CommittedChange> TakeWritten()
    {
        if (_written.Count == 0)
        {
            return [];
        }

        var written = _written.ToList();
        _written.Clear();
        return written;
    }

    /// <summary>The events of the pending changes, in the order they are to be numbered. Clears the appended list.</summary>
    internal List<EventDraft> Collect(ChangeTracker tracker)
    {
        var drafts = ChangeCapture.Capture(tracker);
        drafts.AddRange(_appended);
        _appended.Clear();
        return drafts;
    }

    /// <summary>Writes <paramref name="drafts"/>; must run in the open transaction of the change.</summary>
    internal static async Task WriteAsync(InventoryDbContext db, List<EventDraft> drafts, DateTime now, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Events must be written in the transaction of the change they describe.");
        }

        await EnrichAsync(db, drafts, ct);
        foreach (var group in drafts.GroupBy(d => d.OrganizationId))
        {
            var changed = group.Aggregate(CachedData.None, (data, d) => data | CachedDataTags.ChangedBy(d.ResourceType));
            var sequence = await InsertAsync(db, group.Key, group.ToList(), changed, now, ct);
            db.Outbox._written.Add(new CommittedChange(group.Key, sequence, changed));
        }
    }

    /// <summary>Branch, product category and location type (and names where wanted) from the product and location an event names.</summary>
    private static async Task EnrichAsync(InventoryDbContext db, List<EventDraft> drafts, CancellationToken ct)
    {
        var products = new Dictionary<string, (string Sku, string? Category)>(StringComparer.Ordinal);
        var locations = new Dictionary<string, (string Name, string Type, string BranchId)>(StringComparer.Ordinal);
        foreach (var p in db.ChangeTracker.Entries<Product>())
        {
            products[p.Entity.Id] = (p.Entity.Sku, p.Entity.Category);
        }

        foreach (var l in db.ChangeTracker.Entries<Location>())
        {
            locations[l.Entity.Id] = (l.Entity.Name, l.Entity.Type, l.Entity.BranchId);
        }

        var missingProducts = drafts.Select(d => d.ProductId).OfType<string>().Where(id => !products.ContainsKey(id)).Distinct().ToArray();
        var missingLocations = drafts.Select(d => d.LocationId).OfType<string>().Where(id => !locations.ContainsKey(id)).Distinct().ToArray();
        if (missingProducts.Length + missingLocations.Length > 0)
        {
            // One round trip for both; soft-deleted rows included (an event may be about a deleted location's last stock).
            var connection = db.Database.GetDbConnection();
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText =
                """
                SELECT 'p', id, sku, category, NULL FROM products WHERE id = ANY(@products)
                UNION ALL
                SELECT 'l', id, name, type, branch_id FROM locations WHERE id = ANY(@locations)
                """;
            command.Parameters.Add(TextArray("products", missingProducts));
            command.Parameters.Add(TextArray("locations", missingLocations));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetString(0) == "p")
                {
                    products[reader.GetString(1)] = (reader.GetString(2), NullableString(reader, 3));
                }
                else
                {
                    locations[reader.GetString(1)] = (reader.GetString(2), reader.GetString(3), reader.GetString(4));
                }
            }
        }

        foreach (var draft in drafts)
        {
            if (draft.ProductId is { } productId && products.TryGetValue(productId, out var product))
            {
                draft.ProductCategory ??= product.Category;
                if (draft.WithNames)
                {
                    draft.Data["sku"] = product.Sku;
                }
            }

            if (draft.LocationId is { } locationId && locations.TryGetValue(locationId, out var location))
            {
                draft.BranchId ??= location.BranchId;
                draft.LocationType ??= location.Type;
                if (draft.WithNames)
                {
                    draft.Data["location_name"] = location.Name;
                }
            }
        }
    }

    /// <returns>The highest sequence number written.</returns>
    private static async Task<long> InsertAsync(
        InventoryDbContext db, string organizationId, List<EventDraft> drafts, CachedData changed, DateTime now, CancellationToken ct)
    {
        // One statement: take n numbers from the organization's counter (locking its row until commit), insert the events
        // numbered in list order, and queue the notifications that PostgreSQL delivers on commit (change feed and caches).
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText =
            """
            WITH counter AS (
                INSERT INTO event_sequences AS s (organization_id, last_sequence, pruned_through)
                VALUES (@org, @count, 0)
                ON CONFLICT (organization_id) DO UPDATE SET last_sequence = s.last_sequence + @count
                RETURNING s.last_sequence
            ), inserted AS (
                INSERT INTO events (organization_id, sequence, event_id, event_type, occurred_at, branch_id, resource_type, resource_id,
                                    product_id, location_id, product_category, location_type, data, trace_parent)
                SELECT @org, counter.last_sequence - @count + t.n, t.event_id, t.event_type, @now, t.branch_id, t.resource_type, t.resource_id,
                       t.product_id, t.location_id, t.product_category, t.location_type, t.data::jsonb, @trace
                FROM counter,
                     unnest(@event_ids, @event_types, @branch_ids, @resource_types, @resource_ids, @product_ids, @location_ids,
                            @product_categories, @location_types, @data)
                         WITH ORDINALITY AS t(event_id, event_type, branch_id, resource_type, resource_id, product_id, location_id,
                                              product_category, location_type, data, n)
                RETURNING sequence
            ), last AS (
                SELECT max(sequence) AS sequence FROM inserted
            )
            SELECT last.sequence,
                   pg_notify(@channel, @org || ':' || last.sequence::text),
                   pg_notify(@cache_channel, @org || ':' || last.sequence::text || ':' || @tags)
            FROM last
            """;
        command.Parameters.AddRange(new object[]
        {
            new NpgsqlParameter("org", NpgsqlDbType.Text) { Value = organizationId },
            new NpgsqlParameter("count", NpgsqlDbType.Bigint) { Value = (long)drafts.Count },
            new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now },
            new NpgsqlParameter("channel", NpgsqlDbType.Text) { Value = NotificationChannel },
            new NpgsqlParameter("cache_channel", NpgsqlDbType.Text) { Value = CacheChannel },
            new NpgsqlParameter("trace", NpgsqlDbType.Text) { Value = (object?)OutboundTelemetry.CurrentTraceParent() ?? DBNull.Value },
            new NpgsqlParameter("tags", NpgsqlDbType.Text) { Value = CachedDataTags.Format(changed) },
            TextArray("event_ids", drafts.Select(_ => PublicId.New(PublicId.Event))),
            TextArray("event_types", drafts.Select(d => d.EventType)),
            TextArray("branch_ids", drafts.Select(d => d.BranchId)),
            TextArray("resource_types", drafts.Select(d => d.ResourceType)),
            TextArray("resource_ids", drafts.Select(d => d.ResourceId)),
            TextArray("product_ids", drafts.Select(d => d.ProductId)),
            TextArray("location_ids", drafts.Select(d => d.LocationId)),
            TextArray("product_categories", drafts.Select(d => d.ProductCategory)),
            TextArray("location_types", drafts.Select(d => d.LocationType)),
            TextArray("data", drafts.Select(d => Normalize(d.Data)!.ToJsonString())),
        });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>A copy with decimals written without the trailing zeros of the database scale (25.5000 → 25.5), as the API writes them.</summary>
    private static JsonNode? Normalize(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Normalize(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Normalize).ToArray()),
        JsonValue value when value.TryGetValue<decimal>(out var d) => JsonValue.Create(d / 1.000000000000000000000000000000000m),
        _ => node?.DeepClone(),
    };

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static NpgsqlParameter TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };
}
