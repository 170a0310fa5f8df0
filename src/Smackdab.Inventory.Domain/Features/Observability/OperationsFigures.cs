using Microsoft.EntityFrameworkCore;
using Npgsql;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;
using Smackdab.Inventory.Domain.Features.Sync.Conflicts;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>
/// Figures over durable data for one organization (the dashboard) or every organization (the Prometheus gauges), so that
/// both answer the same. Reads past the tenant filters: callers pass the organization to read, or null for all.
/// </summary>
public sealed class OperationsFigures(InventoryDbContext db)
{
    /// <summary>The change-feed polling route, as request rollups record it.</summary>
    public const string PollingRoute = "v1/inventory/changes";

    /// <summary>
    /// <c>polling_fallbacks</c>: successful polls of <c>GET /v1/inventory/changes</c> since <paramref name="since"/>. The spec's
    /// clients take webhooks (or the stream) as the primary channel and poll that route as their fallback.
    /// </summary>
    public async Task<Dictionary<string, long>> PollingFallbacksAsync(string? organizationId, DateTime since, CancellationToken ct)
    {
        var sinceMinute = new DateTime(since.Ticks - (since.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
        return await Rollups(organizationId)
            .Where(r => r.Minute >= sinceMinute && r.Route == PollingRoute && r.Method == "GET" && r.StatusCode < 400)
            .GroupBy(r => r.OrganizationId)
            .Select(g => new { g.Key, Count = g.Sum(r => r.RequestCount) })
            .ToDictionaryAsync(g => g.Key, g => g.Count, StringComparer.Ordinal, ct);
    }

    /// <summary>
    /// <c>data_consistency</c>: of all stock positions (a balance row, or ledger entries without one), how many have an
    /// <c>on_hand</c> equal to the sum of their ledger entries, as <c>GET /v1/inventory/audit</c> checks it.
    /// </summary>
    public async Task<Dictionary<string, ConsistencyCount>> DataConsistencyAsync(string? organizationId, CancellationToken ct)
    {
        var where = organizationId is null ? "" : "WHERE organization_id = @organization";
        // Opened through EF, so that its interceptors apply (background work uses its own pool).
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText =
                $"""
                SELECT coalesce(b.organization_id, l.organization_id),
                       count(*),
                       count(*) FILTER (WHERE coalesce(b.on_hand, 0) = coalesce(l.total, 0))
                FROM (SELECT organization_id, product_id, location_id, on_hand FROM inventory_balances {where}) b
                FULL JOIN (
                    SELECT organization_id, product_id, location_id, sum(quantity_change) AS total
                    FROM inventory_transactions {where}
                    GROUP BY organization_id, product_id, location_id) l
                  ON l.organization_id = b.organization_id AND l.product_id = b.product_id AND l.location_id = b.location_id
                GROUP BY 1
                """;
            if (organizationId is not null)
            {
                command.Parameters.AddWithValue("organization", organizationId);
            }

            var counts = new Dictionary<string, ConsistencyCount>(StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                counts[reader.GetString(0)] = new ConsistencyCount(reader.GetInt64(1), reader.GetInt64(2));
            }

            return counts;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Every figure the Prometheus gauges show, for every organization.</summary>
    public async Task<OperationsSnapshot> SnapshotAsync(DateTime now, Dictionary<string, ConsistencyCount>? consistency, CancellationToken ct)
    {
        var since = now.AddHours(-DashboardService.WindowHours);
        var snapshot = new OperationsSnapshot(now);
        const string org = InventoryTelemetry.Tags.Organization;

        var breakers = await (
                from b in db.CircuitBreakerStates.IgnoreQueryFilters().AsNoTracking()
                join i in db.Integrations.IgnoreQueryFilters().AsNoTracking() on b.IntegrationId equals i.Id
                where i.DeletedAt == null
                select new { i.OrganizationId, i.Id, i.Type, b.State })
            .ToListAsync(ct);
        var withBreaker = breakers.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        // An integration whose breaker never moved has no row yet: CLOSED.
        var untouched = await db.Integrations.IgnoreQueryFilters().AsNoTracking()
            .Where(i => i.DeletedAt == null)
            .Select(i => new { i.OrganizationId, i.Id, i.Type })
            .ToListAsync(ct);
        foreach (var b in breakers)
        {
            snapshot.Add(InventoryTelemetry.Instruments.IntegrationCircuitState, CircuitStateValue(b.State),
                (org, b.OrganizationId), (InventoryTelemetry.Tags.Integration, b.Id), (InventoryTelemetry.Tags.IntegrationType, b.Type));
        }

        foreach (var i in untouched.Where(i => !withBreaker.Contains(i.Id)))
        {
            snapshot.Add(InventoryTelemetry.Instruments.IntegrationCircuitState, 0,
                (org, i.OrganizationId), (InventoryTelemetry.Tags.Integration, i.Id), (InventoryTelemetry.Tags.IntegrationType, i.Type));
        }

        var pending = await db.WebhookDeliveries.IgnoreQueryFilters().AsNoTracking()
            .Where(d => d.Status == WebhookDeliveryStatuses.Pending)
            .GroupBy(d => d.OrganizationId).Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var events = await db.Events.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.OccurredAt >= since)
            .GroupBy(e => e.OrganizationId).Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var exports = await db.ExportJobs.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.Status == ExportStatuses.Completed && e.CompletedAt >= since)
            .GroupBy(e => e.OrganizationId).Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var jobs = await db.SyncJobs.IgnoreQueryFilters().AsNoTracking()
            .Where(j => j.Status == SyncJobStatuses.Completed && j.CompletedAt >= since)
            .GroupBy(j => j.OrganizationId).Select(g => new { g.Key, Count = g.Count(), Records = g.Sum(j => (long)j.RecordsSynced) })
            .ToListAsync(ct);
        var failing = await db.SyncJobs.IgnoreQueryFilters().AsNoTracking()
            .Where(j => j.Status == SyncJobStatuses.Processing && (j.FailedPasses > 0 || j.LastError != null))
            .GroupBy(j => j.OrganizationId).Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var conflicts = await db.SyncConflicts.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.Status == ConflictStatuses.Open)
            .GroupBy(c => c.OrganizationId).Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        var polls = await PollingFallbacksAsync(null, since, ct);

        foreach (var p in pending)
        {
            snapshot.Add(InventoryTelemetry.Instruments.WebhookDeliveriesPending, p.Count, (org, p.Key));
        }

        foreach (var e in events)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncRealTimeUpdates24h, e.Count, (org, e.Key));
        }

        foreach (var (key, count) in polls)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncPollingFallbacks24h, count, (org, key));
        }

        foreach (var e in exports)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncFullSyncs24h, e.Count, (org, e.Key));
        }

        foreach (var j in jobs)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncJobsCompleted24h, j.Count, (org, j.Key));
            snapshot.Add(InventoryTelemetry.Instruments.SyncRecordsSynced24h, j.Records, (org, j.Key));
        }

        foreach (var f in failing)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncJobsFailing, f.Count, (org, f.Key));
        }

        foreach (var c in conflicts)
        {
            snapshot.Add(InventoryTelemetry.Instruments.SyncOpenConflicts, c.Count, (org, c.Key));
        }

        foreach (var (key, count) in consistency ?? [])
        {
            if (count.Ratio is { } ratio)
            {
                snapshot.Add(InventoryTelemetry.Instruments.SyncDataConsistencyRatio, ratio, (org, key));
            }
        }

        return snapshot;
    }

    private static double CircuitStateValue(string state) => state switch
    {
        CircuitStates.HalfOpen => 1,
        CircuitStates.Open => 2,
        _ => 0,
    };

    private IQueryable<ApiRequestRollup> Rollups(string? organizationId)
    {
        var rollups = db.ApiRequestRollups.IgnoreQueryFilters().AsNoTracking();
        return organizationId is null ? rollups : rollups.Where(r => r.OrganizationId == organizationId);
    }
}

/// <summary>Stock positions checked, and how many of them match their ledger.</summary>
public sealed record ConsistencyCount(long Positions, long Consistent)
{
    /// <summary>0 to 1; null without positions.</summary>
    public double? Ratio => Positions == 0 ? null : (double)Consistent / Positions;

    /// <summary>Percent with one decimal, like the spec's 99.9; null without positions. Never rounded up to 100 while any differs.</summary>
    public double? Percent => Positions == 0 ? null : Consistent == Positions ? 100 : Math.Min(99.9, Math.Round(100.0 * Consistent / Positions, 1));
}
