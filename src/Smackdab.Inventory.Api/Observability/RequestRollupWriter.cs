using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Observability;

namespace Smackdab.Inventory.Api.Observability;

/// <summary>
/// Drains <see cref="RequestRecordQueue"/> in batches into the per-minute rollups (one upsert per batch), and deletes
/// rollups older than Observability:RollupRetentionHours. A failed write is logged and its batch dropped: the dashboard
/// may undercount during a database outage, requests are never held up or failed by it.
/// </summary>
public sealed class RequestRollupWriter(
    RequestRecordQueue queue,
    IServiceScopeFactory scopes,
    IOptions<ObservabilityOptions> options,
    TimeProvider clock,
    ILogger<RequestRollupWriter> logger) : BackgroundService
{
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(5);
    private bool _failing;
    private DateTime _nextPruneAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<RequestRecord>(options.Value.RequestBatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Drain(batch);
                await WriteAsync(batch, stoppingToken);
                await PruneIfDueAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: write what is queued, briefly.
            using var timeout = new CancellationTokenSource(FinalFlushTimeout);
            while (queue.Reader.TryPeek(out _) && !timeout.IsCancellationRequested)
            {
                Drain(batch);
                await WriteAsync(batch, timeout.Token);
            }
        }
    }

    private void Drain(List<RequestRecord> batch)
    {
        batch.Clear();
        while (batch.Count < options.Value.RequestBatchSize && queue.Reader.TryRead(out var record))
        {
            batch.Add(record);
        }
    }

    private async Task WriteAsync(List<RequestRecord> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<RequestRollupStore>().AddAsync(batch, ct);
            if (_failing)
            {
                _failing = false;
                logger.LogInformation("Request records are written to the dashboard rollups again");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                logger.LogWarning(e, "Writing {RecordCount} request records to the dashboard rollups failed; they are dropped until writes succeed again", batch.Count);
            }
        }
    }

    private async Task PruneIfDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (now < _nextPruneAt)
        {
            return;
        }

        _nextPruneAt = now.AddSeconds(options.Value.RollupPruneIntervalSeconds);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var deleted = await scope.ServiceProvider.GetRequiredService<RequestRollupStore>()
                .PruneAsync(now.AddHours(-options.Value.RollupRetentionHours), ct);
            if (deleted > 0)
            {
                logger.LogInformation("Deleted {RollupCount} request rollups older than {RetentionHours} hours", deleted, options.Value.RollupRetentionHours);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Pruning request rollups failed; retrying later");
        }
    }
}
