using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Ledger;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Releases expired two-phase holds. Instances coordinate through FOR UPDATE SKIP LOCKED, so any number may run.</summary>
public sealed class HoldExpiryWorker(IServiceScopeFactory scopes, IOptions<LedgerOptions> options, ILogger<HoldExpiryWorker> logger) : BackgroundService
{
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.HoldExpiryIntervalSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int released;
                do
                {
                    await using var scope = scopes.CreateAsyncScope();
                    released = await scope.ServiceProvider.GetRequiredService<HoldService>().ExpireDueAsync(BatchSize, stoppingToken);
                    if (released > 0)
                    {
                        logger.LogInformation("Released {HoldCount} expired holds", released);
                    }
                }
                while (released == BatchSize);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Hold expiry pass failed; retrying on the next tick");
            }
        }
    }
}
