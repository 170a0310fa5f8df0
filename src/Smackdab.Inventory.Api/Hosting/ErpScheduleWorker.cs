using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Sync.Erp;
using Smackdab.Inventory.Domain.Features.Sync.Exports;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Turns due schedule occurrences into export jobs (see <see cref="ErpScheduler"/>); any number of instances may run it.</summary>
public sealed class ErpScheduleWorker(ErpScheduler scheduler, IOptions<ExportOptions> options, TimeProvider clock, ILogger<ErpScheduleWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollIntervalSeconds), clock);
        do
        {
            try
            {
                while (await scheduler.RunNextAsync(stoppingToken))
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Schedule pass failed; retrying on the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
