using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Caching;

/// <summary>
/// Holds one connection LISTENing on <see cref="EventOutbox.CacheChannel"/>: PostgreSQL delivers each notification when
/// the writing transaction commits, to every listening instance, and this raises the versions in
/// <see cref="CacheGenerations"/>. The read cache is used only while this subscription is up; when it fails, what the
/// instance knew is forgotten and reads go to the database until the subscription is back.
/// </summary>
public sealed class CacheInvalidationListener(
    CacheGenerations generations,
    DatabaseConnectionString database,
    IOptions<CacheOptions> options,
    TimeProvider clock,
    ILogger<CacheInvalidationListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        // Its own unpooled connection; keepalives make a silently dropped connection fail within seconds.
        var connectionString = new NpgsqlConnectionStringBuilder(database.Value) { Pooling = false, KeepAlive = 5 }.ConnectionString;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {EventOutbox.CacheChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                generations.SetSubscribed(true);
                logger.LogDebug("Listening for committed changes on {Channel}; the read cache is on", EventOutbox.CacheChannel);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                generations.SetSubscribed(false);
                logger.LogWarning(e, "Lost the cache invalidation subscription; reads go to the database until it is back");
            }

            try
            {
                await Task.Delay(RetryDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        generations.SetSubscribed(false);
    }

    // Payload: {organization_id}:{sequence}:{tags}, read from the right.
    private void OnNotification(string payload)
    {
        var tagsAt = payload.LastIndexOf(':');
        var sequenceAt = tagsAt > 0 ? payload.LastIndexOf(':', tagsAt - 1) : -1;
        if (sequenceAt > 0
            && long.TryParse(payload.AsSpan(sequenceAt + 1, tagsAt - sequenceAt - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            generations.Observe(payload[..sequenceAt], sequence, CachedDataTags.Parse(payload.AsSpan(tagsAt + 1)));
        }
    }
}
