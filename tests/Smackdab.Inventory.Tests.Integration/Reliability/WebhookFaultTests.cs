using Npgsql;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;
using Smackdab.Inventory.Tests.Support.Webhooks;
using StandardWebhooks;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// Webhook delivery under faults, against a real receiver on loopback and real events from ledger writes: a receiver that
/// answers 500s, drops connections and times out before it recovers, and an API process killed while a delivery is in
/// flight. Afterwards every event is delivered at least once, first arrivals are in sequence order per resource, every
/// request verifies, and the only repeats are retries of the same webhook-id with the same body.
/// </summary>
public sealed class WebhookFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DeliveryDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Receiver_500s_dropped_connections_and_timeouts_then_recovery_deliver_every_event_in_order_once_plus_retries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Webhooks:PollIntervalMilliseconds"] = "50",
            ["Webhooks:AttemptTimeoutSeconds"] = "1",
            ["Webhooks:ConnectTimeoutSeconds"] = "1",
            ["Webhooks:LeaseSeconds"] = "5",
            ["Webhooks:RetryBaseDelaySeconds"] = "1",
            ["Webhooks:RetryMaxDelaySeconds"] = "2",
            ["Webhooks:BreakerFailureRatio"] = "1.0",
            ["Webhooks:BreakerMinimumThroughput"] = "5",
            ["Webhooks:BreakerSamplingSeconds"] = "30",
            ["Webhooks:BreakerBreakSeconds"] = "1",
        });
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var url = receiver.NewUrl(out var path);
        // The first twelve calls fail in turn: 500, a dropped connection, no answer within the attempt timeout, 503.
        for (var i = 0; i < 3; i++)
        {
            receiver.Script(path, 500);
            receiver.ScriptDrop(path);
            receiver.ScriptDelay(path, TimeSpan.FromSeconds(2.5));
            receiver.Script(path, 503);
        }

        var head = await HeadAsync(api.ConnectionString, kit.Tenant.OrganizationId);
        var (subscriptionId, secret) = await SubscribeAsync(kit.Client, url);

        var location = await kit.LocationAsync("Faults");
        var products = new List<string>();
        for (var p = 0; p < 3; p++)
        {
            products.Add(await kit.ProductAsync());
        }

        // Writes per product in order, products side by side.
        await Task.WhenAll(products.Select(async product =>
        {
            for (var i = 0; i < 6; i++)
            {
                await kit.BookAsync("receipt", product, location, 1 + i);
            }
        }));

        var check = await WaitForAllDeliveredAsync(api.ConnectionString, kit.Tenant.OrganizationId, subscriptionId, head);
        var received = receiver.For(path);
        output.WriteLine($"{check.Events.Count} events, {received.Count} requests received ({received.Count(r => r.AnsweredWith == WebhookReceiver.DroppedStatus)} dropped), {check.Deliveries.Sum(d => d.Attempts)} attempts recorded");
        AssertDeliveredOnceInOrder(check, received, secret);
        Assert.True(received.Count > check.Events.Count, "the faults caused retries");
        // In process every request the receiver saw is an attempt the API recorded: no repeat beyond its retries.
        Assert.All(check.Deliveries, d => Assert.Equal(d.Attempts, received.Count(r => r.Id == d.EventId)));
    }

    [Fact]
    public async Task An_api_process_killed_mid_delivery_leaves_the_delivery_to_the_next_instance_and_nothing_is_lost_or_out_of_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var fleet = await ProcessFleet.CreateAsync(new Dictionary<string, string>
        {
            ["Webhooks__AllowPrivateTargets"] = "true",
            ["Webhooks__PollIntervalMilliseconds"] = "50",
            ["Webhooks__AttemptTimeoutSeconds"] = "5",
            ["Webhooks__ConnectTimeoutSeconds"] = "1",
            ["Webhooks__LeaseSeconds"] = "8",
            ["Webhooks__RetryBaseDelaySeconds"] = "1",
            ["Webhooks__RetryMaxDelaySeconds"] = "2",
        });
        var first = await fleet.StartInstanceAsync();
        await fleet.SeedAsync(first);
        var url = receiver.NewUrl(out var path);
        // The first deliveries are slow to answer, so that one is surely in flight when the process dies.
        for (var i = 0; i < 3; i++)
        {
            receiver.ScriptDelay(path, TimeSpan.FromSeconds(3));
        }

        var head = await HeadAsync(fleet.ConnectionString, fleet.OrganizationId);
        var (subscriptionId, secret) = await SubscribeAsync(fleet.ClientFor(first), url);
        var before = fleet.ClientFor(first);
        for (var i = 0; i < 4; i++)
        {
            await PostKeyedAsync(before, "/v1/inventory/transactions", new { transaction_type = "receipt", product_id = fleet.ProductId, location_id = fleet.LocationId, quantity = new { value = 1 } });
        }

        await receiver.WaitForAsync(path, 1, TimeSpan.FromSeconds(60));
        var inFlight = receiver.For(path).Count;
        await first.KillAsync();
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the first instance did not die");

        var second = await fleet.StartInstanceAsync();
        var after = fleet.ClientFor(second);
        for (var i = 0; i < 4; i++)
        {
            await PostKeyedAsync(after, "/v1/inventory/transactions", new { transaction_type = "receipt", product_id = fleet.ProductId, location_id = fleet.LocationId, quantity = new { value = 1 } });
        }

        var check = await WaitForAllDeliveredAsync(fleet.ConnectionString, fleet.OrganizationId, subscriptionId, head);
        var received = receiver.For(path);
        output.WriteLine($"{check.Events.Count} events, {received.Count} requests received, {inFlight} in flight at SIGKILL");
        AssertDeliveredOnceInOrder(check, received, secret);
        // A request in flight at the kill was never recorded as an attempt: it is sent again, with the same webhook-id.
        var extra = check.Deliveries.Sum(d => received.Count(r => r.Id == d.EventId) - d.Attempts);
        Assert.InRange(extra, 0, inFlight);
        Assert.All(check.Deliveries, d => Assert.InRange(received.Count(r => r.Id == d.EventId), 1, d.Attempts + 1));
    }

    private static void AssertDeliveredOnceInOrder(DeliveryCheck check, IReadOnlyList<ReceivedWebhook> received, string secret)
    {
        // Every event after the subscription was delivered (the API recorded a 2xx) and reached the receiver.
        Assert.Equal(check.Events.Select(e => e.EventId).Order(), check.Deliveries.Select(d => d.EventId).Order());
        Assert.All(check.Deliveries, d => Assert.Equal("delivered", d.Status));
        var ids = received.Select(r => r.Id).ToHashSet();
        Assert.All(check.Events, e => Assert.Contains(e.EventId, ids));
        Assert.Subset(check.Events.Select(e => e.EventId).ToHashSet(), ids);

        // Every request verifies as a receiver checks it; repeats of an id carry the same body.
        var verifier = new StandardWebhook(secret);
        Assert.All(received, r => verifier.Verify(r.Body, r.Headers));
        Assert.All(received.GroupBy(r => r.Id), g => Assert.Single(g.Select(r => r.Body).Distinct()));

        // Per resource, the first arrival of each event follows the event sequence.
        var sequenceOf = check.Events.ToDictionary(e => e.EventId, e => e.Sequence);
        var keyOf = check.Deliveries.ToDictionary(d => d.EventId, d => d.OrderingKey);
        var firstArrivals = received.GroupBy(r => r.Id).Select(g => g.First()).ToList();
        foreach (var resource in firstArrivals.GroupBy(r => keyOf[r.Id]))
        {
            var sequences = resource.Select(r => sequenceOf[r.Id]).ToList();
            Assert.Equal(sequences.Order(), sequences);
        }
    }

    private static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient client, string url)
    {
        using var response = await PostKeyedAsync(client, "/v1/webhooks/subscriptions", new
        {
            url,
            events = new[] { "*" },
            retry_policy = new { max_attempts = 20, backoff_strategy = "exponential" },
        });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return (data.GetProperty("subscription_id").GetString()!, data.GetProperty("secret_key").GetString()!);
    }

    private static async Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    private static async Task<long> HeadAsync(string connectionString, string organizationId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(last_sequence), 0) FROM event_sequences WHERE organization_id = @org", connection);
        command.Parameters.AddWithValue("org", organizationId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Polls (bounded) until every event after <paramref name="after"/> has a delivered delivery; returns what the database holds.</summary>
    private static async Task<DeliveryCheck> WaitForAllDeliveredAsync(string connectionString, string organizationId, string subscriptionId, long after)
    {
        var deadline = DateTime.UtcNow + DeliveryDeadline;
        while (true)
        {
            var check = await ReadAsync(connectionString, organizationId, subscriptionId, after);
            var done = check.Events.Count > 0
                && check.Deliveries.Count == check.Events.Count
                && check.Deliveries.All(d => d.Status == "delivered");
            if (done || DateTime.UtcNow > deadline)
            {
                return check;
            }

            await Task.Delay(100);
        }
    }

    private static async Task<DeliveryCheck> ReadAsync(string connectionString, string organizationId, string subscriptionId, long after)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var events = new List<(string, long)>();
        await using (var command = new NpgsqlCommand("SELECT event_id, sequence FROM events WHERE organization_id = @org AND sequence > @after ORDER BY sequence", connection))
        {
            command.Parameters.AddWithValue("org", organizationId);
            command.Parameters.AddWithValue("after", after);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                events.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        var deliveries = new List<DeliveryRow>();
        await using (var command = new NpgsqlCommand(
            "SELECT event_id, status, total_attempts, ordering_key FROM webhook_deliveries WHERE subscription_id = @sub AND NOT is_replay", connection))
        {
            command.Parameters.AddWithValue("sub", subscriptionId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                deliveries.Add(new DeliveryRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3)));
            }
        }

        return new DeliveryCheck(events.Select(e => new EventRow(e.Item1, e.Item2)).ToList(), deliveries);
    }

    private sealed record EventRow(string EventId, long Sequence);

    private sealed record DeliveryRow(string EventId, string Status, int Attempts, string OrderingKey);

    private sealed record DeliveryCheck(List<EventRow> Events, List<DeliveryRow> Deliveries);
}
