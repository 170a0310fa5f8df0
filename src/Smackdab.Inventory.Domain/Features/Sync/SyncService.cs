using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Tenancy;

namespace Smackdab.Inventory.Domain.Features.Sync;

/// <summary>Where a poll or delta request starts: a token, a time, or the position last handed to the device.</summary>
public sealed record SyncStart(string? SinceToken, string SinceTokenField, DateTime? Since, string? DeviceId);

public sealed record ChangeItem(
    string ChangeId, string ChangeType, string ProductId, string? Sku, string LocationId, string? LocationName,
    decimal PreviousValue, decimal CurrentValue, decimal AvailableQuantity, decimal AllocatedQuantity, string ChangeReason,
    string? TransactionId, long Sequence, DateTime ChangedAt);

public sealed record ChangesPage(
    IReadOnlyList<ChangeItem> Items, string NextSyncToken, bool HasMore, bool FullSyncRequired, DateTime? LastChangeAt, DateTime NextPollAfter);

public sealed record DeltaData(IReadOnlyList<JsonObject> Created, IReadOnlyList<JsonObject> Updated, IReadOnlyList<JsonObject> Deleted);

public sealed record DeltaPage(DeltaData Data, string NextSyncToken, int ChangesCount, bool HasMore, bool FullSyncRequired);

/// <summary>
/// Polling (<c>GET /v1/inventory/changes</c>) and delta sync (<c>GET /v1/inventory/delta</c>) over the change feed.
/// Both page by feed position: the next token is past everything read, so consecutive pages neither lose nor repeat.
/// </summary>
public sealed class SyncService(
    InventoryDbContext db, TenantContext tenant, EventReader reader, SyncTokens tokens, TimeProvider clock, IOptions<EventOptions> options)
{
    private static readonly string[] DeltaTypes =
    [
        EventTypes.ProductCreated, EventTypes.ProductUpdated, EventTypes.ProductDeleted,
        EventTypes.LocationCreated, EventTypes.LocationUpdated, EventTypes.LocationDeleted,
    ];

    /// <summary>A token for the organization's current head: what every list response sends as X-Next-Sync-Token.</summary>
    public async Task<string> HeadTokenAsync(CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var (head, _) = await reader.PositionsAsync(organizationId, ct);
        return await tokens.IssueAsync(organizationId, head, ct);
    }

    /// <summary>A token for <paramref name="head"/>, a position the caller knows its answer is at least as new as.</summary>
    public Task<string> TokenAsync(long head, CancellationToken ct) => tokens.IssueAsync(tenant.RequireOrganization(), head, ct);

    public async Task<ChangesPage> ChangesAsync(SyncStart start, EventFilter filter, int limit, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var position = await StartAsync(organizationId, start, ct)
            ?? throw new ValidationFailedException("since", "Give since (an ISO 8601 time) or since_token (or the X-Sync-Token header)");
        var now = clock.GetUtcNow().UtcDateTime;
        var page = position.FullSync
            ? new EventPage([], position.Sequence, position.Sequence, FullSyncRequired: true)
            : await reader.ReadAsync(organizationId, position.Sequence, filter with { EventTypes = [EventTypes.QuantityUpdated] }, limit, ct);
        var next = page.FullSyncRequired ? page.Head : page.NextAfter;
        var items = page.Events.Select(ToChange).ToList();
        var token = await tokens.IssueAsync(organizationId, next, ct);
        await RememberAsync(organizationId, start.DeviceId, token, next, ct);
        // More already waiting: poll again at once.
        var nextPoll = page.HasMore ? now : now.AddSeconds(options.Value.PollIntervalSeconds);
        return new ChangesPage(items, token, page.HasMore, page.FullSyncRequired || position.FullSync, items.LastOrDefault()?.ChangedAt, nextPoll);
    }

    public async Task<DeltaPage> DeltaAsync(SyncStart start, EventFilter filter, int limit, CancellationToken ct)
    {
        var organizationId = tenant.RequireOrganization();
        var position = await StartAsync(organizationId, start, ct);
        if (position is null || position.FullSync)
        {
            // First sync (or a position beyond retention): load everything, then continue from this token.
            var (head, _) = await reader.PositionsAsync(organizationId, ct);
            var fresh = await tokens.IssueAsync(organizationId, head, ct);
            await RememberAsync(organizationId, start.DeviceId, fresh, head, ct);
            return new DeltaPage(new DeltaData([], [], []), fresh, 0, HasMore: false, FullSyncRequired: true);
        }

        var page = await reader.ReadAsync(organizationId, position.Sequence, filter with { EventTypes = DeltaTypes }, limit, ct);
        if (page.FullSyncRequired)
        {
            var fresh = await tokens.IssueAsync(organizationId, page.Head, ct);
            await RememberAsync(organizationId, start.DeviceId, fresh, page.Head, ct);
            return new DeltaPage(new DeltaData([], [], []), fresh, 0, HasMore: false, FullSyncRequired: true);
        }

        var data = await CollapseAsync(organizationId, page.Events, ct);
        var token = await tokens.IssueAsync(organizationId, page.NextAfter, ct);
        await RememberAsync(organizationId, start.DeviceId, token, page.NextAfter, ct);
        return new DeltaPage(data, token, data.Created.Count + data.Updated.Count + data.Deleted.Count, page.HasMore, FullSyncRequired: false);
    }

    private sealed record Position(long Sequence, bool FullSync);

    private async Task<Position?> StartAsync(string organizationId, SyncStart start, CancellationToken ct)
    {
        if (start.SinceToken is { Length: > 0 } token)
        {
            var sequence = await tokens.ReadAsync(token, organizationId, start.SinceTokenField, ct);
            var (head, _) = await reader.PositionsAsync(organizationId, ct);
            if (sequence > head)
            {
                throw new ValidationFailedException(start.SinceTokenField, "Is ahead of this organization's feed");
            }

            return new Position(sequence, false);
        }

        if (start.Since is { } since)
        {
            var at = await reader.PositionAtAsync(organizationId, since, ct);
            return at is { } sequence ? new Position(sequence, false) : new Position((await reader.PositionsAsync(organizationId, ct)).Head, true);
        }

        if (start.DeviceId is { Length: > 0 } device
            && await db.SyncDevices.AsNoTracking().Where(d => d.OrganizationId == organizationId && d.DeviceId == device).Select(d => (long?)d.LastSequence).FirstOrDefaultAsync(ct) is { } remembered)
        {
            return new Position(remembered, false);
        }

        return null;
    }

    private Task RememberAsync(string organizationId, string? deviceId, string token, long sequence, CancellationToken ct)
    {
        if (deviceId is not { Length: > 0 })
        {
            return Task.CompletedTask;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return db.Database.ExecuteSqlInterpolatedAsync(
            $"""
             INSERT INTO sync_devices (organization_id, device_id, last_token, last_sequence, updated_at)
             VALUES ({organizationId}, {deviceId}, {token}, {sequence}, {now})
             ON CONFLICT (organization_id, device_id)
             DO UPDATE SET last_token = excluded.last_token, last_sequence = excluded.last_sequence, updated_at = excluded.updated_at
             """, ct);
    }

    private static ChangeItem ToChange(StoredEvent e)
    {
        var data = JsonNode.Parse(e.Data)!;
        return new ChangeItem(
            "chg_" + e.EventId[(e.EventId.IndexOf('_', StringComparison.Ordinal) + 1)..],
            "quantity_update",
            data["product_id"]!.GetValue<string>(),
            data["sku"]?.GetValue<string>(),
            data["location_id"]!.GetValue<string>(),
            data["location_name"]?.GetValue<string>(),
            data["previous_quantity"]!.GetValue<decimal>(),
            data["current_quantity"]!.GetValue<decimal>(),
            data["available_quantity"]!.GetValue<decimal>(),
            data["allocated_quantity"]!.GetValue<decimal>(),
            data["change_reason"]!.GetValue<string>(),
            data["transaction_id"]?.GetValue<string>(),
            e.Sequence,
            DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc));
    }

    /// <summary>The page's product and location events collapsed to each resource's current state.</summary>
    private async Task<DeltaData> CollapseAsync(string organizationId, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        var created = events.Where(e => e.EventType is EventTypes.ProductCreated or EventTypes.LocationCreated).Select(e => e.ResourceId).ToHashSet(StringComparer.Ordinal);
        var touched = events.GroupBy(e => (e.ResourceType, e.ResourceId)).OrderBy(g => g.Max(e => e.Sequence)).Select(g => g.Key).ToList();
        var productIds = touched.Where(t => t.ResourceType == EventResources.Product).Select(t => t.ResourceId).ToList();
        var locationIds = touched.Where(t => t.ResourceType == EventResources.Location).Select(t => t.ResourceId).ToList();
        var products = await db.Products.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.OrganizationId == organizationId && productIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, ct);
        var locations = await db.Locations.IgnoreQueryFilters().AsNoTracking()
            .Where(l => l.OrganizationId == organizationId && locationIds.Contains(l.Id)).ToDictionaryAsync(l => l.Id, ct);

        var result = (Created: new List<JsonObject>(), Updated: new List<JsonObject>(), Deleted: new List<JsonObject>());
        foreach (var (type, id) in touched)
        {
            JsonObject item;
            DateTime? deletedAt;
            if (type == EventResources.Product && products.TryGetValue(id, out var p))
            {
                deletedAt = p.DeletedAt;
                item = new JsonObject
                {
                    ["id"] = p.Id, ["object"] = "product", ["sku"] = p.Sku, ["name"] = p.Name, ["status"] = p.Status, ["category"] = p.Category,
                    ["uom"] = p.Uom, ["version"] = p.Version, ["created_at"] = p.CreatedAt, ["updated_at"] = p.UpdatedAt,
                };
            }
            else if (type == EventResources.Location && locations.TryGetValue(id, out var l))
            {
                deletedAt = l.DeletedAt;
                item = new JsonObject
                {
                    ["id"] = l.Id, ["object"] = "location", ["branch_id"] = l.BranchId, ["name"] = l.Name, ["code"] = l.Code, ["type"] = l.Type,
                    ["version"] = l.Version, ["created_at"] = l.CreatedAt, ["updated_at"] = l.UpdatedAt,
                };
            }
            else
            {
                continue;
            }

            if (deletedAt is { } at)
            {
                result.Deleted.Add(new JsonObject { ["id"] = id, ["object"] = type, ["deleted_at"] = at });
            }
            else if (created.Contains(id))
            {
                result.Created.Add(item);
            }
            else
            {
                result.Updated.Add(item);
            }
        }

        return new DeltaData(result.Created, result.Updated, result.Deleted);
    }
}
