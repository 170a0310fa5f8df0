using Microsoft.Extensions.Options;
using Npgsql;
using Smackdab.Inventory.Api.Hosting;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Api.Security;

/// <summary>
/// Holds one connection LISTENing on <see cref="ApiKeyService.RevokedChannel"/> and evicts every revoked key from the
/// <see cref="ApiKeyCache"/>. The cache is enabled only while this subscription is up; when the connection fails the
/// cache is emptied and disabled (every request asks the database) until the subscription is back.
/// </summary>
public sealed class ApiKeyRevocationListener(
    ApiKeyCache cache,
    DatabaseConnectionString database,
    IOptions<ApiKeyCacheOptions> options,
    TimeProvider clock,
    ILogger<ApiKeyRevocationListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Seconds <= 0)
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
                connection.Notification += (_, e) => cache.Evict(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {ApiKeyService.RevokedChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                cache.SetSubscribed(true);
                logger.LogDebug("Listening for API key revocations; verified keys are cached");
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
                cache.SetSubscribed(false);
                logger.LogWarning(e, "Lost the API key revocation subscription; keys are looked up on every request until it is back");
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

        cache.SetSubscribed(false);
    }
}
