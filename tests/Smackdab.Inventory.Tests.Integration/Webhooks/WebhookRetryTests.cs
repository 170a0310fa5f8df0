using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>
/// Failure handling against a real receiver. Due times follow a clock the tests move, so growing delays of tens of seconds
/// are checked without waiting for them; attempt timeouts are real (1 s).
/// </summary>
public sealed class WebhookRetryTests(ManualClockFixture host, ITestOutputHelper output) : IClassFixture<ManualClockFixture>
{
    private static bool Attempts(JsonElement delivery, int n) => delivery.GetProperty("attempts").GetInt32() >= n;

    private static bool Status(JsonElement delivery, string status) => delivery.GetProperty("status").GetString() == status;

    /// <summary>Moves the clock to the delivery's next attempt and returns the wait the API scheduled.</summary>
    private TimeSpan AdvanceToNextAttempt(JsonElement delivery)
    {
        var wait = delivery.GetProperty("next_attempt_at").GetDateTime() - delivery.GetProperty("last_attempt_at").GetDateTime();
        host.ManualClock.Advance(wait + TimeSpan.FromSeconds(1));
        return wait;
    }

    [Fact]
    public async Task Retries_after_500s_with_growing_delays_until_delivered()
    {
        var subscriber = await host.SubscribeAsync(maxAttempts: 5);
        host.Receiver.Script(subscriber.Path, 500, 503, 500);
        var eventId = await subscriber.EnqueueAsync();

        var delays = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var failed = await subscriber.WaitForDeliveryAsync(eventId, d => Attempts(d, attempt));
            Assert.Equal("pending", failed.GetProperty("status").GetString());
            Assert.Equal(attempt == 2 ? 503 : 500, failed.GetProperty("response_code").GetInt32());
            delays.Add(AdvanceToNextAttempt(failed));
        }

        var delivered = await subscriber.WaitForDeliveryAsync(eventId, d => Status(d, "delivered"));
        output.WriteLine($"Scheduled delays: {string.Join(", ", delays.Select(d => $"{d.TotalSeconds:0.0} s"))}");
        Assert.Equal(4, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal([500, 503, 500, 200], delivered.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("response_code").GetInt32()));
        for (var i = 0; i < delays.Count; i++)
        {
            var nominal = 10 * Math.Pow(2, i);
            Assert.InRange(delays[i].TotalSeconds, nominal * 0.8, nominal * 1.2);
            Assert.True(i == 0 || delays[i] > delays[i - 1], "delays grow");
        }

        // Every attempt carried the same webhook-id, so a receiver can deduplicate.
        Assert.All(host.Receiver.For(subscriber.Path), r => Assert.Equal(eventId, r.Id));
        var performance = (await subscriber.SubscriptionAsync()).GetProperty("webhook_performance");
        Assert.Equal(100m, performance.GetProperty("retry_success_rate").GetDecimal());
        Assert.Equal(100m, performance.GetProperty("delivery_success_rate").GetDecimal());
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried_later()
    {
        var subscriber = await host.SubscribeAsync();
        host.Receiver.ScriptDelay(subscriber.Path, TimeSpan.FromSeconds(5));
        var eventId = await subscriber.EnqueueAsync();

        var timedOut = await subscriber.WaitForDeliveryAsync(eventId, d => Attempts(d, 1));
        Assert.Equal("pending", timedOut.GetProperty("status").GetString());
        Assert.Contains("within 1 s", timedOut.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.InRange(timedOut.GetProperty("latency_ms").GetInt32(), 900, 4000);
        Assert.False(timedOut.TryGetProperty("response_code", out var code) && code.ValueKind != JsonValueKind.Null);

        AdvanceToNextAttempt(timedOut);
        var delivered = await subscriber.WaitForDeliveryAsync(eventId, d => Status(d, "delivered"));
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_410_disables_the_subscription_and_resuming_delivers_what_waited()
    {
        var subscriber = await host.SubscribeAsync();
        host.Receiver.Script(subscriber.Path, 410);
        var eventId = await subscriber.EnqueueAsync();

        await subscriber.WaitForDeliveryAsync(eventId, d => Attempts(d, 1));
        var subscription = await subscriber.SubscriptionAsync();
        Assert.Equal("disabled", subscription.GetProperty("status").GetString());
        Assert.Contains("410", subscription.GetProperty("disabled_reason").GetString(), StringComparison.Ordinal);

        // Disabled: nothing more is sent, even when due.
        var second = await subscriber.EnqueueAsync(orderingKey: "prod_other");
        host.ManualClock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(500);
        Assert.Single(host.Receiver.For(subscriber.Path));
        Assert.Equal("pending", (await subscriber.DeliveryAsync(second)).GetProperty("status").GetString());

        using var resume = await subscriber.Client.PatchAsJsonAsync($"/v1/webhooks/subscriptions/{subscriber.SubscriptionId}", new { status = "active" });
        var resumed = await Envelopes.SuccessAsync(resume);
        Assert.False(resumed.TryGetProperty("disabled_reason", out var reason) && reason.ValueKind != JsonValueKind.Null);
        await subscriber.WaitForDeliveryAsync(eventId, d => Status(d, "delivered"));
        await subscriber.WaitForDeliveryAsync(second, d => Status(d, "delivered"));
    }

    [Fact]
    public async Task After_the_last_attempt_a_delivery_is_dead_lettered_and_a_redelivery_sends_it_again()
    {
        var subscriber = await host.SubscribeAsync(maxAttempts: 2);
        host.Receiver.Script(subscriber.Path, 500, 500);
        var eventId = await subscriber.EnqueueAsync();

        AdvanceToNextAttempt(await subscriber.WaitForDeliveryAsync(eventId, d => Attempts(d, 1)));
        var dead = await subscriber.WaitForDeliveryAsync(eventId, d => Status(d, "dead_lettered"));
        Assert.Equal(2, dead.GetProperty("attempts").GetInt32());
        Assert.True(dead.TryGetProperty("dead_lettered_at", out var deadAt) && deadAt.ValueKind == JsonValueKind.String);
        host.ManualClock.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300);
        Assert.Equal(2, host.Receiver.For(subscriber.Path).Count);

        var performance = (await subscriber.SubscriptionAsync()).GetProperty("webhook_performance");
        Assert.Equal(1, performance.GetProperty("failed_deliveries_24h").GetInt32());
        Assert.Equal(0m, performance.GetProperty("delivery_success_rate").GetDecimal());

        using (var deadList = await subscriber.Client.GetAsync($"{subscriber.DeliveriesPath}?status=dead_lettered"))
        {
            var (items, _) = await Envelopes.ListAsync(deadList);
            Assert.Equal([eventId], items.EnumerateArray().Select(i => i.GetProperty("event_id").GetString()));
        }

        var deliveryId = dead.GetProperty("id").GetString();
        using var redeliver = await subscriber.Client.PostAsync($"{subscriber.DeliveriesPath}/{deliveryId}/redeliver", null);
        Assert.Equal("pending", (await Envelopes.SuccessAsync(redeliver, HttpStatusCode.Accepted)).GetProperty("status").GetString());
        var delivered = await subscriber.WaitForDeliveryAsync(eventId, d => Status(d, "delivered"));
        Assert.Equal(1, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(3, delivered.GetProperty("total_attempts").GetInt32());
        Assert.Equal(3, host.Receiver.For(subscriber.Path).Count);
        Assert.All(host.Receiver.For(subscriber.Path), r => Assert.Equal(eventId, r.Id));

        // A delivered one may be sent again too; a pending one may not.
        host.Receiver.ScriptDelay(subscriber.Path, TimeSpan.FromSeconds(3));
        using var again = await subscriber.Client.PostAsync($"{subscriber.DeliveriesPath}/{deliveryId}/redeliver", null);
        await Envelopes.SuccessAsync(again, HttpStatusCode.Accepted);
        using var twice = await subscriber.Client.PostAsync($"{subscriber.DeliveriesPath}/{deliveryId}/redeliver", null);
        await Envelopes.ErrorAsync(twice, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Deliveries_about_one_resource_arrive_in_order_while_the_first_is_retried()
    {
        var subscriber = await host.SubscribeAsync();
        host.Receiver.Script(subscriber.Path, 500);
        var first = await subscriber.EnqueueAsync(orderingKey: "prod_ordered");
        var second = await subscriber.EnqueueAsync(orderingKey: "prod_ordered");
        var third = await subscriber.EnqueueAsync(orderingKey: "prod_ordered");

        // The unrelated one is queued after the first has taken the scripted 500, so the 500 cannot go to it instead.
        var failed = await subscriber.WaitForDeliveryAsync(first, d => Attempts(d, 1));
        var unrelated = await subscriber.EnqueueAsync(orderingKey: "prod_unrelated");
        await subscriber.WaitForDeliveryAsync(unrelated, d => Status(d, "delivered"));
        await Task.Delay(300);
        // The later deliveries about the same product wait behind the failed one; the unrelated one does not.
        Assert.Equal(new[] { first, unrelated }.Order(), host.Receiver.For(subscriber.Path).Select(r => r.Id).Order());
        Assert.Equal("pending", (await subscriber.DeliveryAsync(second)).GetProperty("status").GetString());

        AdvanceToNextAttempt(failed);
        await subscriber.WaitForDeliveryAsync(third, d => Status(d, "delivered"));
        var ordered = host.Receiver.For(subscriber.Path).Where(r => r.Id != unrelated).Select(r => r.Id).ToList();
        Assert.Equal([first, first, second, third], ordered);
    }

    [Fact]
    public async Task An_open_circuit_holds_a_failing_subscription_without_spending_attempts_and_spares_others()
    {
        var failing = await host.SubscribeAsync(maxAttempts: 10);
        var healthy = await host.SubscribeAsync();
        host.Receiver.SetDefault(failing.Path, 500);
        var events = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            events.Add(await failing.EnqueueAsync(orderingKey: $"prod_{i}"));
        }

        foreach (var id in events)
        {
            await failing.WaitForDeliveryAsync(id, d => Attempts(d, 1));
        }

        Assert.Equal(5, host.Receiver.For(failing.Path).Count);
        // Five failures in the window open the breaker: the next due attempt is not made and costs no attempt.
        var late = await failing.EnqueueAsync(orderingKey: "prod_late");
        var held = await failing.WaitForDeliveryAsync(late, d => d.GetProperty("next_attempt_at").GetDateTime() > host.ManualClock.GetUtcNow().UtcDateTime.AddSeconds(60));
        Assert.Equal(0, held.GetProperty("attempts").GetInt32());
        Assert.Equal(5, host.Receiver.For(failing.Path).Count);

        var other = await healthy.EnqueueAsync();
        await healthy.WaitForDeliveryAsync(other, d => Status(d, "delivered"));
    }
}
