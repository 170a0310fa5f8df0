using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Sync;

namespace Smackdab.Inventory.Api.Integrations;

/// <summary>Runs resumed syncs. Instances share the queue through leases (see <see cref="SyncRunner"/>).</summary>
public sealed class SyncWorker(SyncRunner runner, IOptions<IntegrationOptions> options, TimeProvider clock, ILogger<SyncWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.SyncPollIntervalMilliseconds), clock);
        do
        {
            try
            {
                while (await runner.RunNextAsync(stoppingToken))
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sync pass failed; retrying on the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
