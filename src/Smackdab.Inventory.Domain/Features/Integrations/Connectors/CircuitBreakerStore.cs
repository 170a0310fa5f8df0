using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// Breaker state in PostgreSQL, shared by all instances. Every transition runs in its own short transaction on a fresh
/// context with the breaker row locked, outside any transaction of the request that made the call (whose rollback must
/// not undo what the breaker learnt).
/// </summary>
public sealed class CircuitBreakerStore(IServiceScopeFactory scopes, TimeProvider clock)
{
    public async Task<CircuitBreakerState> GetAsync(Integration integration, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.CircuitBreakerStates.AsNoTracking().FirstOrDefaultAsync(s => s.IntegrationId == integration.Id, ct)
            ?? new CircuitBreakerState { IntegrationId = integration.Id, OrganizationId = integration.OrganizationId, UpdatedAt = clock.GetUtcNow().UtcDateTime };
    }

    /// <summary>Admits a call, or throws <see cref="CircuitBreakerOpenException"/>.</summary>
    public async Task AdmitAsync(Integration integration, CancellationToken ct)
    {
        // A closed breaker admits without a lock: admission changes nothing then.
        var current = await GetAsync(integration, ct);
        if (current.State == CircuitStates.Closed)
        {
            return;
        }

        var (admitted, state) = await MutateAsync(integration, s => CircuitBreakerRules.TryAdmit(s, integration.CircuitBreaker, clock.GetUtcNow().UtcDateTime), ct);
        if (!admitted)
        {
            var retryAt = state.State == CircuitStates.Open
                ? CircuitBreakerRules.RetryAt(state, integration.CircuitBreaker)
                : clock.GetUtcNow().UtcDateTime.AddSeconds(1);
            throw new CircuitBreakerOpenException(integration.Id, state.State, state.FailureCount, state.LastFailureAt, retryAt, clock.GetUtcNow().UtcDateTime);
        }
    }

    public async Task<CircuitBreakerState> RecordAsync(Integration integration, bool failed, string? errorClass, CancellationToken ct)
    {
        var (_, state) = await MutateAsync(integration, s =>
        {
            CircuitBreakerRules.Record(s, integration.CircuitBreaker, clock.GetUtcNow().UtcDateTime, failed, errorClass);
            return true;
        }, ct);
        return state;
    }

    public async Task<CircuitBreakerState> ResetAsync(Integration integration, CancellationToken ct)
    {
        var (_, state) = await MutateAsync(integration, s =>
        {
            CircuitBreakerRules.Reset(s, clock.GetUtcNow().UtcDateTime);
            return true;
        }, ct);
        return state;
    }

    private async Task<(T Result, CircuitBreakerState State)> MutateAsync<T>(Integration integration, Func<CircuitBreakerState, T> mutate, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.InTransactionAsync(async () =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO integration_circuit_breakers (integration_id, organization_id, state, window_calls, window_failures, failure_count, half_open_calls, half_open_successes, updated_at)
                VALUES ({integration.Id}, {integration.OrganizationId}, {CircuitStates.Closed}, 0, 0, 0, 0, 0, {now})
                ON CONFLICT (integration_id) DO NOTHING
                """,
                ct);
            var state = await db.CircuitBreakerStates
                .FromSql($"SELECT * FROM integration_circuit_breakers WHERE integration_id = {integration.Id} FOR UPDATE")
                .SingleAsync(ct);
            var result = mutate(state);
            await db.SaveChangesAsync(ct);
            return (result, state);
        }, ct);
    }
}
