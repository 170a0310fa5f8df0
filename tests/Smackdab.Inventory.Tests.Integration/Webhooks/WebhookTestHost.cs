using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Webhooks;
using Smackdab.Inventory.Tests.Support.Webhooks;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>
/// An API host of its own (private targets allowed, so that it can reach the loopback receiver; a fast poll) with a real
/// receiver. <see cref="ManualClockFixture"/> adds a clock the tests move, so retries are due without waiting.
/// </summary>
public abstract class WebhookHostFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public WebhookReceiver Receiver { get; private set; } = null!;

    protected virtual TimeProvider? Clock => null;

    public static Dictionary<string, string?> Settings => new()
    {
        ["Webhooks:AllowPrivateTargets"] = "true",
        ["Webhooks:PollIntervalMilliseconds"] = "50",
        ["Webhooks:RetryBaseDelaySeconds"] = "10",
        ["Webhooks:RetryMaxDelaySeconds"] = "3600",
        ["Webhooks:AttemptTimeoutSeconds"] = "1",
        ["Webhooks:ConnectTimeoutSeconds"] = "1",
        ["Webhooks:LeaseSeconds"] = "30",
        ["Webhooks:BreakerFailureRatio"] = "1.0",
        ["Webhooks:BreakerMinimumThroughput"] = "5",
        ["Webhooks:BreakerSamplingSeconds"] = "3600",
        ["Webhooks:BreakerBreakSeconds"] = "120",
    };

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        var clock = Clock;
        Api = await ApiFactory.StartAsync(Settings, clock is null ? null : services => services.AddSingleton(clock));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    /// <summary>A tenant with a subscription to every event at a fresh receiver path.</summary>
    public async Task<Subscriber> SubscribeAsync(int maxAttempts = 5, string backoff = "exponential")
    {
        var tenant = await Tenant.CreateAsync(Api);
        var client = tenant.Client(Api);
        var url = Receiver.NewUrl(out var path);
        using var response = await client.PostAsJsonAsync("/v1/webhooks/subscriptions", new
        {
            url,
            events = new[] { "*" },
            retry_policy = new { max_attempts = maxAttempts, backoff_strategy = backoff },
        });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return new Subscriber(this, tenant, client, data.GetProperty("subscription_id").GetString()!, data.GetProperty("secret_key").GetString()!, path);
    }
}

public sealed class ManualClockFixture : WebhookHostFixture
{
    public ManualTimeProvider ManualClock { get; } = new();

    protected override TimeProvider Clock => ManualClock;
}

public sealed class RealClockFixture : WebhookHostFixture;

/// <summary>A tenant's subscription and what a test does with it.</summary>
public sealed record Subscriber(WebhookHostFixture Host, Tenant Tenant, HttpClient Client, string SubscriptionId, string Secret, string Path)
{
    private static long _sequence;

    public string DeliveriesPath => $"/v1/webhooks/subscriptions/{SubscriptionId}/deliveries";

    /// <summary>Queues an event for this subscription as the fan-out does (same queue, same table).</summary>
    public async Task<string> EnqueueAsync(string orderingKey = "prod_test", string eventType = "inventory.quantity.updated", long? sequence = null)
    {
        var eventId = "evt_" + Guid.NewGuid().ToString("N")[..16];
        var seq = sequence ?? Interlocked.Increment(ref _sequence);
        var payload = JsonSerializer.Serialize(new
        {
            event_type = eventType,
            event_id = eventId,
            occurred_at = DateTime.UtcNow,
            organization_id = Tenant.OrganizationId,
            sequence = seq,
            data = new { product_id = orderingKey, current_quantity = seq },
        });
        await using var scope = Host.Api.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WebhookDeliveryQueue>().EnqueueAsync(
            [new NewWebhookDelivery(Tenant.OrganizationId, SubscriptionId, eventId, eventType, seq, orderingKey, payload)],
            CancellationToken.None);
        return eventId;
    }

    public async Task<JsonElement> DeliveryAsync(string eventId)
    {
        using var list = await Client.GetAsync($"{DeliveriesPath}?pageSize=200");
        var (items, _) = await Envelopes.ListAsync(list);
        var id = items.EnumerateArray().Single(i => i.GetProperty("event_id").GetString() == eventId).GetProperty("id").GetString();
        using var one = await Client.GetAsync($"{DeliveriesPath}/{id}");
        return await Envelopes.SuccessAsync(one);
    }

    /// <summary>Polls the delivery log until <paramref name="condition"/> holds for the event's delivery.</summary>
    public async Task<JsonElement> WaitForDeliveryAsync(string eventId, Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        JsonElement delivery = default;
        while (DateTime.UtcNow < deadline)
        {
            delivery = await DeliveryAsync(eventId);
            if (condition(delivery))
            {
                return delivery;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Delivery of {eventId} did not reach the expected state: {delivery}");
    }

    public async Task<JsonElement> SubscriptionAsync()
    {
        using var response = await Client.GetAsync($"/v1/webhooks/subscriptions/{SubscriptionId}");
        return await Envelopes.SuccessAsync(response);
    }
}
