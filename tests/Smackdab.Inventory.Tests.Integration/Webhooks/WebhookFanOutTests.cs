using Npgsql;
using Smackdab.Inventory.Tests.Support.Webhooks;
using StandardWebhooks;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>Real writes through the API become events in the outbox and reach matching subscriptions, exactly once.</summary>
public sealed class WebhookFanOutTests(RealClockFixture host) : IClassFixture<RealClockFixture>
{
    private static async Task<(string Id, string Secret)> SubscribeAsync(HttpClient client, string url, object events, object? filters = null)
    {
        using var response = await client.PostAsJsonAsync("/v1/webhooks/subscriptions", new { url, events, filters });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return (data.GetProperty("subscription_id").GetString()!, data.GetProperty("secret_key").GetString()!);
    }

    private static async Task<string> CreateProductAsync(HttpClient client, string sku, string category)
    {
        using var response = await client.PostAsJsonAsync("/v1/products", new { sku, name = sku, category });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_write_reaches_the_matching_subscription_as_a_signed_event_and_a_replay_sends_it_again()
    {
        var tenant = await Tenant.CreateAsync(host.Api);
        using var client = tenant.Client(host.Api);
        var url = host.Receiver.NewUrl(out var path);
        var (subscriptionId, secret) = await SubscribeAsync(client, url, new[] { "inventory.product.created" }, new { product_categories = new[] { "electronics" } });
        var otherUrl = host.Receiver.NewUrl(out var otherPath);
        await SubscribeAsync(client, otherUrl, new[] { "inventory.location.*" });

        var toy = await CreateProductAsync(client, "TOY-1", "toys");
        var phone = await CreateProductAsync(client, "PHONE-1", "electronics");

        var received = (await host.Receiver.WaitForAsync(path, 1)).Single();
        new StandardWebhook(secret).Verify(received.Body, received.Headers);
        var body = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("inventory.product.created", body.GetProperty("event_type").GetString());
        Assert.Equal(received.Id, body.GetProperty("event_id").GetString());
        Assert.StartsWith("evt_", received.Id);
        Assert.Equal(tenant.OrganizationId, body.GetProperty("organization_id").GetString());
        Assert.True(body.TryGetProperty("occurred_at", out _));
        Assert.Contains(phone, body.GetProperty("data").ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(toy, received.Body, StringComparison.Ordinal);
        var sequence = body.GetProperty("sequence").GetInt64();

        // Nothing matched the location subscription; the category filter kept the toy away.
        await Task.Delay(500);
        Assert.Single(host.Receiver.For(path));
        Assert.Empty(host.Receiver.For(otherPath));

        using var replay = await client.PostAsJsonAsync($"/v1/webhooks/subscriptions/{subscriptionId}/replay", new { from_sequence = 1, to_sequence = sequence });
        var replayed = await Envelopes.SuccessAsync(replay, HttpStatusCode.Accepted);
        Assert.Equal(1, replayed.GetProperty("queued").GetInt32());
        var again = await host.Receiver.WaitForAsync(path, 2);
        Assert.Equal(received.Id, again[1].Id);
        Assert.Equal(received.Body, again[1].Body);

        using var log = await client.GetAsync($"/v1/webhooks/subscriptions/{subscriptionId}/deliveries?sort=created_at");
        var (items, _) = await Envelopes.ListAsync(log);
        Assert.Equal([false, true], items.EnumerateArray().Select(i => i.GetProperty("replay").GetBoolean()));

        using var bad = await client.PostAsJsonAsync($"/v1/webhooks/subscriptions/{subscriptionId}/replay", new { from_sequence = 5, to_sequence = 2 });
        var error = await Envelopes.ErrorAsync(bad, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("to_sequence", out _));
    }

    [Fact]
    public async Task No_event_is_lost_or_delivered_twice_across_an_api_restart()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var first = await ApiFactory.StartAsync(WebhookHostFixture.Settings);
        var tenant = await Tenant.CreateAsync(first);
        var url = receiver.NewUrl(out var path);
        using (var client = tenant.Client(first))
        {
            await SubscribeAsync(client, url, new[] { "inventory.product.created" });
            // Slow answers, so that attempts are in flight when the first instance stops.
            for (var i = 0; i < 10; i++)
            {
                receiver.ScriptDelay(path, TimeSpan.FromMilliseconds(200));
            }

            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CreateProductAsync(client, $"BEFORE-{i}", "electronics")));
            await receiver.WaitForAsync(path, 1);
        }

        await first.DisposeAsync();
        var deliveredByFirst = receiver.For(path).Count;

        await using var second = ApiFactory.StartAnotherInstance(first, WebhookHostFixture.Settings);
        using (var client = tenant.Client(second))
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CreateProductAsync(client, $"AFTER-{i}", "electronics")));
        }

        var expected = await ProductCreatedEventIdsAsync(second.ConnectionString, tenant.OrganizationId);
        Assert.Equal(40, expected.Count);
        await receiver.WaitForAsync(path, 40, TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        var ids = receiver.For(path).Select(r => r.Id).ToList();
        Assert.True(ids.Count == ids.Distinct().Count(), $"duplicates: {string.Join(", ", ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key))}");
        Assert.Equal(expected.Order(), ids.Order());
        Assert.InRange(deliveredByFirst, 1, 39);
    }

    [Fact]
    public async Task Two_instances_running_side_by_side_deliver_each_event_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var first = await ApiFactory.StartAsync(WebhookHostFixture.Settings);
        await using var second = ApiFactory.StartAnotherInstance(first, WebhookHostFixture.Settings);
        var tenant = await Tenant.CreateAsync(first);
        var url = receiver.NewUrl(out var path);
        using var a = tenant.Client(first);
        using var b = tenant.Client(second);
        await SubscribeAsync(a, url, new[] { "inventory.product.created" });

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => CreateProductAsync(i % 2 == 0 ? a : b, $"SIDE-{i}", "electronics")));

        var expected = await ProductCreatedEventIdsAsync(first.ConnectionString, tenant.OrganizationId);
        await receiver.WaitForAsync(path, 40, TimeSpan.FromSeconds(60));
        await Task.Delay(1000);
        var ids = receiver.For(path).Select(r => r.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(expected.Order(), ids.Order());
    }

    private static async Task<List<string>> ProductCreatedEventIdsAsync(string connectionString, string organizationId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT event_id FROM events WHERE organization_id = @org AND event_type = 'inventory.product.created'", connection);
        command.Parameters.AddWithValue("org", organizationId);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
