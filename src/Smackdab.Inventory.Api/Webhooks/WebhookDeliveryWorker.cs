using System.Diagnostics;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Observability;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Domain.Features.Webhooks;

namespace Smackdab.Inventory.Api.Webhooks;

/// <summary>
/// Fans new events out to subscriptions and sends due webhook deliveries. Each pass first queues deliveries for events
/// written since each subscription's cursor (see <see cref="WebhookFanOut"/>), then claims a batch (leased with FOR UPDATE SKIP LOCKED, so any number of instances may
/// run this), attempts them concurrently and records every outcome. Attempts already started are finished on shutdown (each
/// is bounded by the attempt timeout), so a stopping instance does not leave a delivered event marked undelivered.
/// </summary>
public sealed class WebhookDeliveryWorker(
    IServiceScopeFactory scopes,
    WebhookSender sender,
    WebhookWakeup wakeup,
    EventSignal events,
    IOptions<WebhookOptions> options,
    IOptions<OutboundOptions> outbound,
    ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.DeliveryEnabled)
        {
            logger.LogInformation("Webhook delivery is disabled in this instance (Webhooks:DeliveryEnabled=false)");
            return;
        }

        if (outbound.Value.AllowPrivateTargets)
        {
            logger.LogWarning("Webhooks:AllowPrivateTargets is on: webhooks and connectors may reach private and loopback addresses. For local testing only");
        }

        var pollInterval = TimeSpan.FromMilliseconds(settings.PollIntervalMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the pass, so that an event committed during it is not slept through.
            var newEvent = events.NextAsync(null);
            var worked = false;
            try
            {
                worked = await RunPassAsync(settings, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Webhook delivery pass failed; retrying after {PollIntervalMs} ms", settings.PollIntervalMilliseconds);
            }

            if (!worked)
            {
                await Task.WhenAny(wakeup.WaitAsync(pollInterval, stoppingToken), newEvent);
            }
        }
    }

    /// <summary>One pass: claim due deliveries and attempt them. True when there was work (look again at once).</summary>
    private async Task<bool> RunPassAsync(WebhookOptions settings, CancellationToken stoppingToken)
    {
        IReadOnlyList<ClaimedDelivery> claimed;
        int fannedOut;
        await using (var scope = scopes.CreateAsyncScope())
        {
            fannedOut = await scope.ServiceProvider.GetRequiredService<WebhookFanOut>().RunAsync(settings.BatchSize, stoppingToken);
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            claimed = await scope.ServiceProvider.GetRequiredService<WebhookDeliveryQueue>().ClaimAsync(settings.BatchSize, stoppingToken);
        }

        if (claimed.Count == 0)
        {
            return fannedOut > 0;
        }

        // Not cancelled by shutdown: a claimed attempt is made and recorded (bounded by the attempt timeout).
        await Parallel.ForEachAsync(
            claimed,
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrentDeliveries },
            async (delivery, _) => await DeliverAsync(delivery));
        return true;
    }

    private async Task DeliverAsync(ClaimedDelivery delivery)
    {
        // The attempt's own trace (its traceparent goes to the receiver), linked to the request that wrote the event.
        using var activity = OutboundTelemetry.StartBackground("webhook.deliver", delivery.CausedBy);
        activity.SetTag("smackdab.webhook.subscription_id", delivery.SubscriptionId);
        activity.SetTag("smackdab.webhook.delivery_id", delivery.Id);
        activity.SetTag("smackdab.event.id", delivery.EventId);
        try
        {
            var result = await sender.SendAsync(delivery, CancellationToken.None);
            if (result.Outcome is { Succeeded: false } failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, failed.Error);
            }

            await using var scope = scopes.CreateAsyncScope();
            var queue = scope.ServiceProvider.GetRequiredService<WebhookDeliveryQueue>();
            if (result.Outcome is not { } outcome)
            {
                logger.LogInformation("Webhook circuit for subscription {SubscriptionId} is open; delivery {DeliveryId} waits {WaitSeconds:0} s",
                    delivery.SubscriptionId, delivery.Id, result.CircuitOpenFor!.Value.TotalSeconds);
                await queue.PostponeAsync(delivery.Id, result.CircuitOpenFor!.Value, CancellationToken.None);
                return;
            }

            var state = await queue.RecordAsync(delivery, outcome, result.AttemptedAt, CancellationToken.None);
            OperationsMetrics.RecordWebhookAttempt(
                delivery.OrganizationId, delivery.SubscriptionId, outcome.Succeeded, outcome.LatencyMs,
                state is WebhookDeliveryStatuses.Delivered or WebhookDeliveryStatuses.DeadLettered ? state : null);
            if (outcome.Succeeded)
            {
                logger.LogDebug("Webhook delivery {DeliveryId} of {EventId} to subscription {SubscriptionId}: {StatusCode} in {LatencyMs} ms",
                    delivery.Id, delivery.EventId, delivery.SubscriptionId, outcome.StatusCode, outcome.LatencyMs);
            }
            else
            {
                logger.LogWarning("Webhook delivery {DeliveryId} of {EventId} to subscription {SubscriptionId} failed ({Error}) after {LatencyMs} ms; now {DeliveryState}",
                    delivery.Id, delivery.EventId, delivery.SubscriptionId, outcome.Error, outcome.LatencyMs, state);
            }
        }
        catch (Exception e)
        {
            // The lease runs out and another pass picks the delivery up again.
            logger.LogError(e, "Webhook delivery {DeliveryId} could not be attempted or recorded", delivery.Id);
        }
    }
}
