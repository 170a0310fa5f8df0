using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Idempotency;

namespace Smackdab.Inventory.Api.Idempotency;

/// <summary>
/// Deletes expired idempotency records every Idempotency:CleanupIntervalSeconds, in batches of
/// Idempotency:CleanupBatchSize rows. Safe to run on every instance at once (the delete skips rows another instance holds).
/// </summary>
public sealed class IdempotencyCleanupService(
    IServiceScopeFactory scopes, IOptions<IdempotencyOptions> options, TimeProvider clock, ILogger<IdempotencyCleanupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CleanupIntervalSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Deleting expired idempotency records failed; next attempt in {IntervalSeconds} s", options.Value.CleanupIntervalSeconds);
            }
        }
    }

    /// <summary>One pass: deletes expired records batch by batch until a batch comes back short. Returns the number deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var batchSize = options.Value.CleanupBatchSize;
        var total = 0;
        int deleted;
        do
        {
            using var scope = scopes.CreateScope();
            var store = scope.ServiceProvider.GetRequiredService<IIdempotencyStore>();
            deleted = await store.DeleteExpiredAsync(clock.GetUtcNow().UtcDateTime, batchSize, ct);
            total += deleted;
        }
        while (deleted == batchSize);

        if (total > 0)
        {
            logger.LogInformation("Deleted {Count} expired idempotency records", total);
        }

        return total;
    }
}
