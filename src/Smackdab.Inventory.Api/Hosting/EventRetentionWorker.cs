using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>
/// The change feed's housekeeping, every Events:PruneIntervalSeconds: deletes events older than Events:RetentionHours,
/// settled webhook deliveries older than Webhooks:DeliveryRetentionDays, and stream tickets that expired over an hour ago.
/// Instances share the work through SKIP LOCKED.
/// </summary>
public sealed class EventRetentionWorker(
    IServiceScopeFactory scopes,
    IOptions<EventOptions> options,
    IOptions<WebhookOptions> webhookOptions,
    TimeProvider clock,
    ILogger<EventRetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PruneIntervalSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Change feed retention pass failed; retrying on the next tick");
            }
        }
    }

    /// <summary>One full retention pass (public for tests, which cannot wait for the timer).</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;

        var eventCutoff = now.AddHours(-settings.RetentionHours);
        var events = await PruneInBatchesAsync((scope, batch) => scope.GetRequiredService<EventRetention>().PruneAsync(eventCutoff, batch, ct), settings.PruneBatchSize);
        if (events > 0)
        {
            logger.LogInformation("Deleted {EventCount} change feed events older than {Cutoff:o}", events, eventCutoff);
        }

        var deliveryCutoff = now.AddDays(-webhookOptions.Value.DeliveryRetentionDays);
        var deliveries = await PruneInBatchesAsync((scope, batch) => scope.GetRequiredService<WebhookDeliveryRetention>().PruneAsync(deliveryCutoff, batch, ct), settings.PruneBatchSize);
        if (deliveries > 0)
        {
            logger.LogInformation("Deleted {DeliveryCount} settled webhook deliveries created before {Cutoff:o}", deliveries, deliveryCutoff);
        }

        await using var ticketScope = scopes.CreateAsyncScope();
        var tickets = await ticketScope.ServiceProvider.GetRequiredService<StreamTicketService>().PruneAsync(ct);
        if (tickets > 0)
        {
            logger.LogInformation("Deleted {TicketCount} expired stream tickets", tickets);
        }
    }

    private async Task<int> PruneInBatchesAsync(Func<IServiceProvider, int, Task<int>> pruneBatch, int batchSize)
    {
        var total = 0;
        int deleted;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            deleted = await pruneBatch(scope.ServiceProvider, batchSize);
            total += deleted;
        }
        while (deleted == batchSize);
        return total;
    }
}
