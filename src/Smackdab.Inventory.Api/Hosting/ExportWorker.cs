using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Runs export jobs and removes files past retention. Instances share the queue through leases (see <see cref="ExportRunner"/>).</summary>
public sealed class ExportWorker(ExportRunner runner, IOptions<ExportOptions> options, TimeProvider clock, ILogger<ExportWorker> logger) : BackgroundService
{
    private const int ExpiryBatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollIntervalSeconds), clock);
        do
        {
            try
            {
                while (await runner.RunNextAsync(stoppingToken))
                {
                }

                var expired = await runner.ExpireDueAsync(ExpiryBatchSize, stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("Removed {ExportCount} export files past retention", expired);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Export pass failed; retrying on the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
