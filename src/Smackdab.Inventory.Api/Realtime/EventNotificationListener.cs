using Npgsql;
using Smackdab.Inventory.Domain.Features.Events;

namespace Smackdab.Inventory.Api.Realtime;

/// <summary>
/// Holds one connection that LISTENs on <see cref="EventOutbox.NotificationChannel"/> and turns each notification into an
/// <see cref="EventSignal"/> publish. PostgreSQL delivers a NOTIFY only when the writing transaction commits, and to every
/// listening instance, so a write through any instance wakes the feed consumers of all of them.
/// </summary>
public sealed class EventNotificationListener(IConfiguration configuration, EventSignal signal, ILogger<EventNotificationListener> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres")) { Pooling = false, KeepAlive = 30 };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {EventOutbox.NotificationChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                logger.LogInformation("Listening for change feed notifications on {Channel}", EventOutbox.NotificationChannel);
                // Anything committed while we were not listening is found by the consumers' next read.
                signal.PublishAll();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Change feed notification connection lost; reconnecting in {Delay}", ReconnectDelay);
                signal.PublishAll();
                await Task.Delay(ReconnectDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void OnNotification(string payload)
    {
        var separator = payload.LastIndexOf(':');
        if (separator > 0 && long.TryParse(payload.AsSpan(separator + 1), out var sequence))
        {
            signal.Publish(payload[..separator], sequence);
        }
    }
}
