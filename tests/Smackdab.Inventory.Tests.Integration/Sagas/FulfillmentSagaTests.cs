using Npgsql;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Sagas;

public sealed class SagaFixture : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Webhooks:AllowPrivateTargets"] = "true",
        ["Integrations:SagaLeaseSeconds"] = "1",
        ["Integrations:SagaRecoveryIntervalMilliseconds"] = "200",
    };

    public ApiFactory Api { get; private set; } = null!;

    public FaultServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(Settings);
        Server = await FaultServer.StartAsync(TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Api.DisposeAsync();
    }
}

/// <summary>POST /v1/fulfillments as a saga: completion, compensation in reverse, consistency of the ledger, restart.</summary>
public sealed class FulfillmentSagaTests(SagaFixture fixture) : IClassFixture<SagaFixture>
{
    private FaultServer Server => fixture.Server;

    private static async Task<(StockKit Kit, string Product, string Location, string Integration, string Prefix)> SetUpAsync(ApiFactory api, FaultServer server, decimal stock = 100)
    {
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, stock);
        var prefix = "/" + Guid.NewGuid().ToString("N")[..12];
        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "Payments " + prefix,
            type = "accounting",
            base_url = server.BaseUrl + prefix,
            timeout_ms = 60000,
            retry_policy = new { max_attempts = 1 },
        });
        var integration = (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return (kit, product, location, integration, prefix);
    }

    private static object Fulfil(string product, string location, string integration, decimal quantity) => new
    {
        product_id = product, location_id = location, integration_id = integration, quantity = new { value = quantity }, reference = "SO-2025-0042",
    };

    private static Dictionary<string, string> Steps(JsonElement saga) =>
        saga.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("action").GetString()!, s => s.GetProperty("status").GetString()!);

    private static async Task AssertLedgerMatchesBalanceAsync(StockKit kit, string product, string location, decimal onHand)
    {
        var (actualOnHand, allocated, _) = await kit.BalanceAsync(product, location);
        Assert.Equal(onHand, actualOnHand);
        Assert.Equal(0, allocated);
        using var ledger = await kit.Client.GetAsync($"/v1/inventory/transactions?product_id={product}&page_size=100");
        var (rows, _) = await Envelopes.ListAsync(ledger);
        Assert.Equal(onHand, rows.EnumerateArray().Sum(r => r.GetProperty("quantity_change").GetDecimal()));
    }

    [Fact]
    public async Task Fulfillment_reserves_ships_and_calls_the_external_system_step_by_step()
    {
        var (kit, product, location, integration, prefix) = await SetUpAsync(fixture.Api, Server);

        using var response = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10));
        var saga = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        var id = saga.GetProperty("saga_id").GetString()!;
        Assert.StartsWith("saga_", id);
        Assert.Equal("completed", saga.GetProperty("status").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["reserve_inventory"] = "completed", ["create_shipment"] = "completed", ["call_external_system"] = "completed" },
            Steps(saga));
        Assert.Equal(["release_reservation", "cancel_shipment", "none"], saga.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("compensation").GetString()).ToList());
        var call = Assert.Single(Server.Received, r => r.Path == prefix + "/fulfillments");
        Assert.Equal(id, call.Headers["Idempotency-Key"]);
        Assert.Equal(id, JsonDocument.Parse(call.Body).RootElement.GetProperty("saga_id").GetString());

        using var get = await kit.Client.GetAsync($"/v1/sagas/{id}");
        Assert.Equal("completed", (await Envelopes.SuccessAsync(get)).GetProperty("status").GetString());
        await AssertLedgerMatchesBalanceAsync(kit, product, location, 90);
    }

    [Fact]
    public async Task A_failing_external_step_compensates_shipment_and_reservation_in_reverse_and_the_ledger_stays_consistent()
    {
        var (kit, product, location, integration, prefix) = await SetUpAsync(fixture.Api, Server);
        Server.SetDefault(prefix + "/fulfillments", Fault.Answer(500));

        using var response = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10));
        var saga = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        Assert.Equal("compensated", saga.GetProperty("status").GetString());
        Assert.Contains("INTEGRATION_ERROR", saga.GetProperty("error").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["reserve_inventory"] = "compensated", ["create_shipment"] = "compensated", ["call_external_system"] = "failed" },
            Steps(saga));
        var steps = saga.GetProperty("steps").EnumerateArray().ToList();
        Assert.True(steps[1].GetProperty("compensated_at").GetDateTime() <= steps[0].GetProperty("compensated_at").GetDateTime(), "Compensation runs in reverse");
        await AssertLedgerMatchesBalanceAsync(kit, product, location, 100);
    }

    [Fact]
    public async Task Insufficient_stock_fails_the_first_step_and_nothing_is_called_or_booked()
    {
        var (kit, product, location, integration, prefix) = await SetUpAsync(fixture.Api, Server, stock: 5);

        using var response = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10));
        var saga = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        Assert.Equal("compensated", saga.GetProperty("status").GetString());
        Assert.Contains("INSUFFICIENT_STOCK", saga.GetProperty("error").GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["reserve_inventory"] = "failed", ["create_shipment"] = "not_run", ["call_external_system"] = "not_run" },
            Steps(saga));
        Assert.Equal(0, Server.CountFor(prefix + "/fulfillments"));
        await AssertLedgerMatchesBalanceAsync(kit, product, location, 5);
    }

    [Fact]
    public async Task Invalid_fulfillments_are_refused_and_sagas_are_tenant_scoped()
    {
        var (kit, product, location, integration, _) = await SetUpAsync(fixture.Api, Server);
        using var missing = await kit.Client.PostAsJsonAsync("/v1/fulfillments", new { product_id = product, location_id = location, quantity = new { value = 1 } });
        Assert.True((await Envelopes.ErrorAsync(missing, HttpStatusCode.BadRequest, "VALIDATION_FAILED")).GetProperty("details").TryGetProperty("integration_id", out _));
        using var zero = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 0));
        await Envelopes.ErrorAsync(zero, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var done = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 1));
        var id = (await Envelopes.SuccessAsync(done, HttpStatusCode.Created)).GetProperty("saga_id").GetString();

        var other = await Tenant.CreateAsync(fixture.Api);
        using var otherClient = other.Client(fixture.Api);
        using var foreign = await otherClient.GetAsync($"/v1/sagas/{id}");
        await Envelopes.ErrorAsync(foreign, HttpStatusCode.NotFound, "NOT_FOUND");
        using var foreignIntegration = await otherClient.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 1));
        Assert.True((await Envelopes.ErrorAsync(foreignIntegration, HttpStatusCode.BadRequest, "VALIDATION_FAILED")).GetProperty("details").TryGetProperty("integration_id", out _));
    }

    [Fact]
    public async Task A_saga_interrupted_by_a_stopped_instance_is_resumed_by_another_instance_on_the_same_database()
    {
        var first = await ApiFactory.StartAsync(SagaFixture.Settings);
        var (kit, product, location, integration, prefix) = await SetUpAsync(first, Server);
        var path = prefix + "/fulfillments";
        Server.Enqueue(path, Fault.Hang(), Fault.Ok("{\"charge_id\":\"ch_1\"}"));

        // The first instance gets as far as the external call, then stops (its request is cut off mid-call).
        using var abort = new CancellationTokenSource();
        var call = kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10), abort.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Server.CountFor(path) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, Server.CountFor(path));
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var sagaId = JsonDocument.Parse(Server.Received.Single(r => r.Path == path).Body).RootElement.GetProperty("saga_id").GetString()!;
        await first.DisposeAsync();

        await using var second = ApiFactory.StartAnotherInstance(first, SagaFixture.Settings);
        using var client = kit.Tenant.Client(second);
        JsonElement saga;
        deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            using var get = await client.GetAsync($"/v1/sagas/{sagaId}");
            saga = await Envelopes.SuccessAsync(get);
        }
        while (saga.GetProperty("status").GetString() is "running" or "compensating" && DateTime.UtcNow < deadline);

        Assert.Equal("completed", saga.GetProperty("status").GetString());
        Assert.All(Steps(saga).Values, s => Assert.Equal("completed", s));
        // The external call was sent again with the same Idempotency-Key, so the other side can tell it is the same charge.
        Assert.Equal([sagaId, sagaId], Server.Received.Where(r => r.Path == path).Select(r => r.Headers["Idempotency-Key"]).ToList());
        var stock = new StockKit(second, kit.Tenant);
        await AssertLedgerMatchesBalanceAsync(stock, product, location, 90);
    }

    [Fact]
    public async Task A_step_slower_than_the_lease_is_not_taken_over_and_run_again_while_its_run_is_alive()
    {
        // The lease is 1 s and the recovery worker looks every 200 ms: without renewal it would take this saga over
        // mid-call and run the external step a second time (seen as a flaky double call under load).
        var (kit, product, location, integration, prefix) = await SetUpAsync(fixture.Api, Server);
        var path = prefix + "/fulfillments";
        Server.Enqueue(path, Fault.Slow(TimeSpan.FromSeconds(3)));

        using var response = await kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10));
        var saga = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        var id = saga.GetProperty("saga_id").GetString()!;
        Assert.Equal("completed", saga.GetProperty("status").GetString());
        // Give a takeover (were there one) time to show.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, Server.CountFor(path));
        Assert.Equal(1, await AllocationsOfAsync(id));
        using var get = await kit.Client.GetAsync($"/v1/sagas/{id}");
        var stored = await Envelopes.SuccessAsync(get);
        Assert.Equal("completed", stored.GetProperty("status").GetString());
        Assert.All(Steps(stored).Values, s => Assert.Equal("completed", s));
        await AssertLedgerMatchesBalanceAsync(kit, product, location, 90);
    }

    [Fact]
    public async Task A_run_whose_lease_was_taken_over_stops_without_overwriting_the_new_owner_and_the_new_owner_finishes()
    {
        var (kit, product, location, integration, prefix) = await SetUpAsync(fixture.Api, Server);
        var path = prefix + "/fulfillments";
        Server.Enqueue(path, Fault.Slow(TimeSpan.FromSeconds(3)));

        var call = kit.Client.PostAsJsonAsync("/v1/fulfillments", Fulfil(product, location, integration, 10));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Server.CountFor(path) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        // While the external call is in flight, another run takes the saga over (as after a stall longer than the lease).
        var sagaId = JsonDocument.Parse(Server.Received.Single(r => r.Path == path).Body).RootElement.GetProperty("saga_id").GetString()!;
        Assert.Equal(1, await SqlAsync("UPDATE sagas SET lease_owner = 'takeover-test', lease_expires_at = now() + interval '1 hour' WHERE id = @id", sagaId));

        using var response = await call;
        var answered = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        // The first run's answer is the saga as the new owner holds it: its own step result was not saved over it.
        Assert.Equal("running", answered.GetProperty("status").GetString());
        Assert.Equal("running", Steps(answered)["call_external_system"]);
        Assert.Equal(1, await SqlAsync("SELECT count(*) FROM sagas WHERE id = @id AND lease_owner = 'takeover-test' AND status = 'running'", sagaId));

        // The new owner "dies": its lease lapses, the recovery worker resumes the saga and completes it, calling again with the same key.
        await SqlAsync("UPDATE sagas SET lease_expires_at = now() - interval '1 second' WHERE id = @id", sagaId);
        JsonElement saga;
        deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(100);
            using var get = await kit.Client.GetAsync($"/v1/sagas/{sagaId}");
            saga = await Envelopes.SuccessAsync(get);
        }
        while (saga.GetProperty("status").GetString() is "running" or "compensating" && DateTime.UtcNow < deadline);

        Assert.Equal("completed", saga.GetProperty("status").GetString());
        Assert.Equal([sagaId, sagaId], Server.Received.Where(r => r.Path == path).Select(r => r.Headers["Idempotency-Key"]).ToList());
        Assert.Equal(1, await AllocationsOfAsync(sagaId));
        await AssertLedgerMatchesBalanceAsync(kit, product, location, 90);
    }

    private Task<int> AllocationsOfAsync(string sagaId) => SqlAsync("SELECT count(*) FROM allocations WHERE reference = @id", sagaId);

    /// <summary>Runs SQL on the test's own connection: a count for a SELECT, the affected rows otherwise.</summary>
    private async Task<int> SqlAsync(string sql, string sagaId)
    {
        await using var connection = new NpgsqlConnection(fixture.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", sagaId);
        return sql.StartsWith("SELECT", StringComparison.Ordinal)
            ? (int)(long)(await command.ExecuteScalarAsync())!
            : await command.ExecuteNonQueryAsync();
    }
}
