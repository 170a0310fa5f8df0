using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Deletes change feed events older than Events:RetentionHours. Instances share the work through SKIP LOCKED.</summary>
public sealed class EventRetentionWorker(
    IServiceScopeFactory scopes, IOptions<EventOptions> options, TimeProvider clock, ILogger<EventRetentionWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.PruneIntervalSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var cutoff = clock.GetUtcNow().UtcDateTime.AddHours(-settings.RetentionHours);
                int deleted;
                do
                {
                    await using var scope = scopes.CreateAsyncScope();
                    deleted = await scope.ServiceProvider.GetRequiredService<EventRetention>().PruneAsync(cutoff, settings.PruneBatchSize, stoppingToken);
                    if (deleted > 0)
                    {
                        logger.LogInformation("Deleted {EventCount} change feed events older than {Cutoff:o}", deleted, cutoff);
                    }
                }
                while (deleted == settings.PruneBatchSize);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Change feed retention pass failed; retrying on the next tick");
            }
        }
    }
}
