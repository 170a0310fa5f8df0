using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Sync.Imports;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Runs queued imports; instances share the queue through leases (see <see cref="ImportRunner"/>).</summary>
public sealed class ImportWorker(ImportRunner runner, IOptions<ImportOptions> options, TimeProvider clock, ILogger<ImportWorker> logger) : BackgroundService
{
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
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Import pass failed; retrying on the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
