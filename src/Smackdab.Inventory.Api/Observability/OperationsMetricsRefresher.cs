using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>
/// Reads the gauges of <see cref="OperationsMetrics"/> from PostgreSQL every Observability:OperationsMetricsRefreshSeconds,
/// but only after a scrape has looked at them since the last read (an unscraped instance costs the database nothing); the
/// ledger consistency pass runs at most every Observability:DataConsistencyCheckSeconds. The gauges are therefore at most
/// one refresh period plus one scrape interval old. A failed read keeps the last values and is logged once.
/// </summary>
public sealed class OperationsMetricsRefresher(
    IServiceScopeFactory scopes,
    IOptions<ObservabilityOptions> options,
    TimeProvider clock,
    ILogger<OperationsMetricsRefresher> logger) : BackgroundService
{
    private long _observationsSeen = OperationsMetrics.Observations;
    private Dictionary<string, ConsistencyCount>? _consistency;
    private DateTime _consistencyDueAt;
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var period = TimeSpan.FromSeconds(settings.OperationsMetricsRefreshSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var observations = OperationsMetrics.Observations;
                if (observations != _observationsSeen)
                {
                    _observationsSeen = observations;
                    await RefreshAsync(settings, stoppingToken);
                }

                await Task.Delay(period, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            OperationsMetrics.Withdraw(this);
        }
    }

    private async Task RefreshAsync(ObservabilityOptions settings, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var figures = scope.ServiceProvider.GetRequiredService<OperationsFigures>();
            var now = clock.GetUtcNow().UtcDateTime;
            if (_consistency is null || now >= _consistencyDueAt)
            {
                _consistency = await figures.DataConsistencyAsync(null, ct);
                _consistencyDueAt = now.AddSeconds(settings.DataConsistencyCheckSeconds);
            }

            OperationsMetrics.Publish(this, await figures.SnapshotAsync(now, _consistency, ct));
            if (_failing)
            {
                logger.LogInformation("Operations gauges are read again");
                _failing = false;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!_failing)
            {
                logger.LogWarning(e, "Operations gauges could not be read; the last values stay until the next read succeeds");
                _failing = true;
            }
        }
    }
}
