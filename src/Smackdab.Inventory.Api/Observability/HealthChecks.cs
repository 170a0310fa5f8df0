using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>
/// Redis: shared rate limits (and caches) live there, but the API keeps answering without it (per-instance limits), so an
/// unreachable Redis is Degraded — /health/ready stays 200 and says so — never Unhealthy.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConfigured)
        {
            return HealthCheckResult.Healthy("Redis is not configured; rate limits are kept per instance");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var connection = await redis.GetAsync().WaitAsync(timeout.Token);
            var latency = await connection.GetDatabase().PingAsync().WaitAsync(timeout.Token);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded("Redis does not answer; rate limits fall back to per-instance budgets", e);
        }
    }
}

/// <summary>
/// The circuit breakers of all active integrations, by state. An open breaker means an external system is failing: the API
/// itself is ready, so that is Degraded, never Unhealthy. Anonymous callers see counts only; each integration's breaker is
/// at GET /v1/integrations/{id}/circuit-breaker and on the dashboard.
/// </summary>
internal sealed class IntegrationBreakersHealthCheck(InventoryDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var counts = await db.CircuitBreakerStates.AsNoTracking()
            .Where(b => db.Integrations.IgnoreQueryFilters().Any(i => i.Id == b.IntegrationId && i.DeletedAt == null && i.Status == IntegrationStatuses.Active))
            .GroupBy(b => b.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["closed"] = counts.Where(c => c.State == CircuitStates.Closed).Sum(c => c.Count),
            ["half_open"] = counts.Where(c => c.State == CircuitStates.HalfOpen).Sum(c => c.Count),
            ["open"] = counts.Where(c => c.State == CircuitStates.Open).Sum(c => c.Count),
        };
        var open = (int)data["open"];
        return open == 0
            ? HealthCheckResult.Healthy("No integration circuit breaker is open", data)
            : HealthCheckResult.Degraded(open == 1 ? "1 integration circuit breaker is open" : $"{open} integration circuit breakers are open", data: data);
    }
}
