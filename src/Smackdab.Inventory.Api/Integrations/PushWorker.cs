using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Push;

namespace Smackdab.Inventory.Api.Integrations;

/// <summary>
/// Runs integration pushes (see <see cref="PushRunner"/>): passes until none is due, then waits for a new event or the poll
/// interval. Instances share the work through leases.
/// </summary>
public sealed class PushWorker(PushRunner runner, EventSignal events, IOptions<IntegrationOptions> options, TimeProvider clock, ILogger<PushWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.PushWorkerEnabled)
        {
            logger.LogInformation("Integration push is disabled in this instance (Integrations:PushWorkerEnabled=false)");
            return;
        }

        var interval = TimeSpan.FromMilliseconds(options.Value.PushPollIntervalMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the passes, so that an event committed during them is not slept through.
            var newEvent = events.NextAsync(null);
            try
            {
                while (await runner.RunNextAsync(stoppingToken))
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Push pass failed; retrying after {PollIntervalMs} ms", options.Value.PushPollIntervalMilliseconds);
            }

            await Task.WhenAny(newEvent, Task.Delay(interval, clock, stoppingToken));
        }
    }
}
