using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// What connectors remember, each write on a fresh context outside the calling request's transaction: one row per logical
/// call (health, metrics, dashboard), the integration's last successful call, and the last good response to each read.
/// </summary>
public sealed class ConnectorCallLog(IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task RecordAsync(
        Integration integration, ConnectorRequest request, int? status, string? errorClass, int attempts, int durationMs, bool servedFromCache, CancellationToken ct)
    {
        OperationsMetrics.RecordIntegrationCall(integration, errorClass, durationMs);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        db.IntegrationCalls.Add(new IntegrationCall
        {
            OrganizationId = integration.OrganizationId,
            IntegrationId = integration.Id,
            At = now,
            Method = request.Method.Method,
            Path = request.Path.Length > 2000 ? request.Path[..2000] : request.Path,
            StatusCode = status,
            Succeeded = errorClass is null,
            ErrorClass = errorClass,
            Attempts = attempts,
            DurationMs = durationMs,
            ServedFromCache = servedFromCache,
        });
        await db.SaveChangesAsync(CancellationToken.None);
        if (errorClass is null)
        {
            await db.Database.ExecuteSqlAsync($"UPDATE integrations SET last_successful_call_at = {now} WHERE id = {integration.Id}", CancellationToken.None);
        }
    }

    public async Task CacheAsync(Integration integration, ConnectorRequest request, AttemptResult result, int maxBytes, CancellationToken ct)
    {
        if (result.Body.Length > maxBytes)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO integration_cached_responses (integration_id, request_key, status_code, body, content_type, cached_at)
            VALUES ({integration.Id}, {request.CacheKey}, {result.Status}, {result.Body}, {result.ContentType}, {clock.GetUtcNow().UtcDateTime})
            ON CONFLICT (integration_id, request_key) DO UPDATE
            SET status_code = EXCLUDED.status_code, body = EXCLUDED.body, content_type = EXCLUDED.content_type, cached_at = EXCLUDED.cached_at
            """,
            ct);
    }

    public async Task<CachedResponse?> FindCachedAsync(Integration integration, ConnectorRequest request, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.CachedResponses.AsNoTracking()
            .FirstOrDefaultAsync(c => c.IntegrationId == integration.Id && c.RequestKey == request.CacheKey, ct);
    }
}
