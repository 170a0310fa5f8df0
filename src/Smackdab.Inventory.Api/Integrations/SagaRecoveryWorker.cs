using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Sagas;

namespace Smackdab.Inventory.Api.Integrations;

/// <summary>Resumes (or compensates) sagas whose instance stopped mid-way: on start and then on every tick.</summary>
public sealed class SagaRecoveryWorker(SagaRunner runner, IOptions<IntegrationOptions> options, TimeProvider clock, ILogger<SagaRecoveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.SagaRecoveryIntervalMilliseconds), clock);
        do
        {
            try
            {
                while (await runner.RecoverNextAsync(stoppingToken))
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Saga recovery pass failed; retrying on the next tick");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
