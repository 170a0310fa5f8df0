using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Push;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

/// <summary>An API host whose own push worker is off: the tests run push passes on connector instances with a clock they move.</summary>
public sealed class PushFixture : ConnectorFixture
{
    protected override Dictionary<string, string?> Settings => new()
    {
        ["Webhooks:AllowPrivateTargets"] = "true",
        ["Integrations:PushWorkerEnabled"] = "false",
    };
}

/// <summary>
/// Outbound push through the connector against the real loopback fault server: order, exactly-once acceptance across a breaker
/// outage and across instances, and tenant isolation.
/// </summary>
public sealed class PushTests(PushFixture fixture) : IClassFixture<PushFixture>
{
    private const string EventsPath = "/events";

    private static readonly object NoRetry = new { max_attempts = 1 };

    private FaultServer Server => fixture.Server;

    [Fact]
    public async Task A_backlog_built_while_the_breaker_was_open_is_pushed_after_recovery_in_order_exactly_once()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry, new { failure_threshold = 2, timeout_ms = 60_000, half_open_max_calls = 3, half_open_success_threshold = 2 });
        var kit = new StockKit(fixture.Api, fixture.Tenant);
        await EnablePushAsync(kit.Client, integration.Id);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync("Push " + prefix);
        Server.SetDefault(prefix + EventsPath, Fault.Answer(500));
        var runner = fixture.NewInstance().GetRequiredService<PushRunner>();

        var transactions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            transactions.Add(await ReceiptAsync(kit, product, location));
        }

        // Two failures (the second after the retry wait) open the breaker; the push then waits for it instead of calling.
        await DrainAsync(runner);
        Assert.Equal(1, Server.CountFor(prefix + EventsPath));
        await DrainAsync(runner);
        Assert.Equal(1, Server.CountFor(prefix + EventsPath));
        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        await DrainAsync(runner);
        fixture.Clock.Advance(TimeSpan.FromSeconds(10));
        await DrainAsync(runner);
        var failedCalls = Server.CountFor(prefix + EventsPath);
        Assert.Equal(2, failedCalls);

        for (var i = 0; i < 3; i++)
        {
            transactions.Add(await ReceiptAsync(kit, product, location));
        }

        await DrainAsync(runner);
        Assert.Equal(failedCalls, Server.CountFor(prefix + EventsPath));
        var waiting = await StatusAsync(kit.Client, integration.Id);
        Assert.Equal("circuit_open", waiting.GetProperty("status").GetString());
        Assert.Equal(6, waiting.GetProperty("backlog").GetInt64());
        Assert.Equal(0, waiting.GetProperty("pushed_count").GetInt64());
        Assert.StartsWith("CIRCUIT_BREAKER_OPEN", waiting.GetProperty("last_error").GetString());

        // The system recovers; the breaker half-opens after its timeout and closes on the pushes' successes.
        Server.SetDefault(prefix + EventsPath, Fault.Ok());
        fixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await DrainAsync(runner);

        var accepted = Server.Received.Where(r => r.Path == prefix + EventsPath).Skip(failedCalls).ToList();
        var pushedTransactions = accepted.Select(r => Payload(r).GetProperty("data").GetProperty("transaction_id").GetString()!).ToList();
        Assert.Equal(transactions, pushedTransactions);
        var sequences = accepted.Select(r => Payload(r).GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.All(accepted, r =>
        {
            Assert.Equal("inventory.transaction.created", Payload(r).GetProperty("event_type").GetString());
            Assert.Equal(Payload(r).GetProperty("event_id").GetString(), r.Headers["Idempotency-Key"]);
        });

        var done = await StatusAsync(kit.Client, integration.Id);
        Assert.Equal("up_to_date", done.GetProperty("status").GetString());
        Assert.Equal(0, done.GetProperty("backlog").GetInt64());
        Assert.Equal(6, done.GetProperty("pushed_count").GetInt64());
        Assert.Equal(done.GetProperty("head").GetInt64(), done.GetProperty("cursor").GetInt64());
        Assert.Equal(accepted[^1].Headers["Idempotency-Key"], done.GetProperty("last_pushed_event_id").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("last_error").ValueKind);
        Assert.Equal("CLOSED", done.GetProperty("circuit_state").GetString());
    }

    [Fact]
    public async Task Two_instances_push_each_event_once_in_order()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry);
        var kit = new StockKit(fixture.Api, fixture.Tenant);
        await EnablePushAsync(kit.Client, integration.Id);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync("Push " + prefix);
        var transactions = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            transactions.Add(await ReceiptAsync(kit, product, location));
        }

        // Small batches, so that the push changes hands between the instances many times.
        void SmallBatches(IServiceCollection services) => services.Configure<IntegrationOptions>(o => o.PushBatchSize = 2);
        var first = fixture.NewInstance(SmallBatches).GetRequiredService<PushRunner>();
        var second = fixture.NewInstance(SmallBatches).GetRequiredService<PushRunner>();
        await Task.WhenAll(DrainAsync(first), DrainAsync(second), DrainAsync(first), DrainAsync(second));

        var pushed = Server.Received.Where(r => r.Path == prefix + EventsPath)
            .Select(r => Payload(r).GetProperty("data").GetProperty("transaction_id").GetString()!).ToList();
        Assert.Equal(transactions, pushed);
        var status = await StatusAsync(kit.Client, integration.Id);
        Assert.Equal(12, status.GetProperty("pushed_count").GetInt64());
        Assert.Equal(0, status.GetProperty("backlog").GetInt64());
    }

    [Fact]
    public async Task A_push_leased_by_an_instance_that_died_is_taken_over_when_the_lease_runs_out()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry);
        var kit = new StockKit(fixture.Api, fixture.Tenant);
        await EnablePushAsync(kit.Client, integration.Id);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync("Push " + prefix);
        var transaction = await ReceiptAsync(kit, product, location);
        await using (var scope = fixture.NewInstance().CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
            var until = fixture.Clock.GetUtcNow().UtcDateTime.AddSeconds(60);
            await db.IntegrationPushes.IgnoreQueryFilters().Where(p => p.IntegrationId == integration.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.LeaseOwner, "dead-instance").SetProperty(p => p.LeaseExpiresAt, until));
        }

        var survivor = fixture.NewInstance().GetRequiredService<PushRunner>();
        await DrainAsync(survivor);
        Assert.Equal(0, Server.CountFor(prefix + EventsPath));

        fixture.Clock.Advance(TimeSpan.FromSeconds(61));
        await DrainAsync(survivor);

        var pushed = Server.Received.Where(r => r.Path == prefix + EventsPath).Select(r => Payload(r).GetProperty("data").GetProperty("transaction_id").GetString()!);
        Assert.Equal([transaction], pushed);
    }

    [Fact]
    public async Task A_push_sends_only_its_own_organizations_events_and_is_invisible_to_other_tenants()
    {
        var ownPrefix = ConnectorFixture.Prefix();
        var own = await fixture.CreateAsync(ownPrefix, NoRetry);
        var ownKit = new StockKit(fixture.Api, fixture.Tenant);
        await EnablePushAsync(ownKit.Client, own.Id);

        var otherKit = new StockKit(fixture.Api, await Tenant.CreateAsync(fixture.Api));
        var otherPrefix = ConnectorFixture.Prefix();
        using var created = await otherKit.Client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "Other " + otherPrefix,
            type = "accounting",
            base_url = Server.BaseUrl + otherPrefix,
            retry_policy = NoRetry,
        });
        var otherId = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await EnablePushAsync(otherKit.Client, otherId);

        var ownTransaction = await ReceiptAsync(ownKit, await ownKit.ProductAsync(), await ownKit.LocationAsync("Push " + ownPrefix));
        var otherTransaction = await ReceiptAsync(otherKit, await otherKit.ProductAsync(), await otherKit.LocationAsync("Push " + otherPrefix));
        await DrainAsync(fixture.NewInstance().GetRequiredService<PushRunner>());

        Assert.Equal([ownTransaction], Server.Received.Where(r => r.Path == ownPrefix + EventsPath).Select(r => Payload(r).GetProperty("data").GetProperty("transaction_id").GetString()!));
        Assert.Equal([otherTransaction], Server.Received.Where(r => r.Path == otherPrefix + EventsPath).Select(r => Payload(r).GetProperty("data").GetProperty("transaction_id").GetString()!));

        // Another organization's integration does not exist for this caller.
        using var read = await otherKit.Client.GetAsync($"/v1/integrations/{own.Id}/push");
        await Envelopes.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        using var write = await otherKit.Client.PutAsJsonAsync($"/v1/integrations/{own.Id}/push", new { enabled = false });
        await Envelopes.ErrorAsync(write, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.True((await StatusAsync(ownKit.Client, own.Id)).GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Push_settings_are_validated_and_a_new_push_starts_from_now()
    {
        var prefix = ConnectorFixture.Prefix();
        var integration = await fixture.CreateAsync(prefix, NoRetry);
        var kit = new StockKit(fixture.Api, fixture.Tenant);

        using var unknown = await kit.Client.PutAsJsonAsync($"/v1/integrations/{integration.Id}/push", new { enabled = true, events = new[] { "nope.happened" } });
        var error = await Envelopes.ErrorAsync(unknown, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("events[0]", out _), error.ToString());
        using var empty = await kit.Client.PutAsJsonAsync($"/v1/integrations/{integration.Id}/push", new { enabled = true });
        error = await Envelopes.ErrorAsync(empty, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("events", out _), error.ToString());
        using var start = await kit.Client.PutAsJsonAsync($"/v1/integrations/{integration.Id}/push", new { enabled = true, events = new[] { "*" }, start_from = "yesterday" });
        await Envelopes.ErrorAsync(start, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync("Push " + prefix);
        await ReceiptAsync(kit, product, location);
        var status = await EnablePushAsync(kit.Client, integration.Id);
        Assert.Equal(status.GetProperty("head").GetInt64(), status.GetProperty("cursor").GetInt64());
        Assert.Equal(0, status.GetProperty("backlog").GetInt64());
        Assert.Equal(["inventory.transaction.created", "shipment.confirmed"], status.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(EventsPath, status.GetProperty("path").GetString());

        // The integration shows the same subscription.
        using var read = await kit.Client.GetAsync($"/v1/integrations/{integration.Id}");
        var stored = await Envelopes.SuccessAsync(read);
        Assert.Equal(EventsPath, stored.GetProperty("events_path").GetString());
    }

    private static async Task<JsonElement> EnablePushAsync(HttpClient client, string integrationId)
    {
        using var response = await client.PutAsJsonAsync($"/v1/integrations/{integrationId}/push", new
        {
            enabled = true,
            events = new[] { "inventory.transaction.created", "shipment.confirmed" },
            path = EventsPath,
        });
        var status = await Envelopes.SuccessAsync(response);
        Assert.True(status.GetProperty("enabled").GetBoolean());
        return status;
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client, string integrationId)
    {
        using var response = await client.GetAsync($"/v1/integrations/{integrationId}/push");
        return await Envelopes.SuccessAsync(response);
    }

    private static async Task<string> ReceiptAsync(StockKit kit, string product, string location) =>
        (await kit.BookAsync("receipt", product, location, 5)).GetProperty("id").GetString()!;

    private static JsonElement Payload(ReceivedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    /// <summary>Runs passes until none is due (bounded).</summary>
    private static async Task DrainAsync(PushRunner runner)
    {
        for (var i = 0; i < 100 && await runner.RunNextAsync(CancellationToken.None); i++)
        {
        }
    }
}
