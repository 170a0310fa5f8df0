namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>A host whose expiry job runs every 200 ms, so an expired hold is released promptly.</summary>
public sealed class FastExpiryApi : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Ledger:HoldExpiryIntervalSeconds"] = "0.2" });

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

public sealed class HoldTests(FastExpiryApi host) : IClassFixture<FastExpiryApi>
{
    private static object Op(string type, string product, string location, decimal value) =>
        new { type, product_id = product, location_id = location, quantity = new { value, uom = "EACH" } };

    private static async Task<JsonElement> PrepareAsync(StockKit kit, object[] operations, int? ttl = null, HttpStatusCode status = HttpStatusCode.Created)
    {
        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/prepare", new { operations, ttl_seconds = ttl });
        return await Envelopes.SuccessAsync(response, status);
    }

    [Fact]
    public async Task Prepare_holds_debits_and_commit_books_every_operation()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var from = await kit.LocationAsync("A");
        var to = await kit.LocationAsync("B");
        await kit.BookAsync("receipt", product, from, 100);

        var hold = await PrepareAsync(kit, [Op("debit", product, from, 50), Op("credit", product, to, 50)]);
        Assert.Equal("prepared", hold.GetProperty("status").GetString());
        var id = hold.GetProperty("transaction_id").GetString();
        Assert.Equal((100m, 50m, 50m), await kit.BalanceAsync(product, from));
        await kit.AssertAuditCleanAsync();

        using var commit = await kit.Client.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        var committed = await Envelopes.SuccessAsync(commit);
        Assert.Equal("committed", committed.GetProperty("status").GetString());
        Assert.Equal(2, committed.GetProperty("transactions").GetArrayLength());
        Assert.Equal((50m, 0m, 50m), await kit.BalanceAsync(product, from));
        Assert.Equal((50m, 0m, 50m), await kit.BalanceAsync(product, to));

        using var again = await kit.Client.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        Assert.Equal("committed", (await Envelopes.SuccessAsync(again)).GetProperty("status").GetString());
        Assert.Equal((50m, 0m, 50m), await kit.BalanceAsync(product, from));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Prepare_beyond_available_is_refused_and_holds_nothing()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/prepare", new { operations = new[] { Op("debit", product, location, 11) } });
        await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Abort_releases_the_hold_and_commit_after_abort_is_a_conflict()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        var id = (await PrepareAsync(kit, [Op("debit", product, location, 7)])).GetProperty("transaction_id").GetString();

        using var abort = await kit.Client.PostAsync($"/v1/inventory/transactions/{id}/abort", null);
        Assert.Equal("aborted", (await Envelopes.SuccessAsync(abort)).GetProperty("status").GetString());
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));

        using var commit = await kit.Client.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        await Envelopes.ErrorAsync(commit, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal(1, await kit.LedgerCountAsync());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Commit_after_expiry_is_refused_and_the_hold_is_released()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        var id = (await PrepareAsync(kit, [Op("debit", product, location, 4)], ttl: 1)).GetProperty("transaction_id").GetString();
        Assert.Equal((10m, 4m, 6m), await kit.BalanceAsync(product, location));

        // Poll with a deadline until the expiry job has released the hold.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string? status = null;
        while (DateTime.UtcNow < deadline)
        {
            using var get = await kit.Client.GetAsync($"/v1/inventory/transactions/{id}/prepared");
            status = (await Envelopes.SuccessAsync(get)).GetProperty("status").GetString();
            if (status == "expired")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("expired", status);
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));

        using var commit = await kit.Client.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        var error = await Envelopes.ErrorAsync(commit, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal("expired", error.GetProperty("details").GetProperty("status").GetString());
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));
        Assert.Equal(1, await kit.LedgerCountAsync());
        await kit.AssertAuditCleanAsync();
    }

    [Theory]
    [InlineData("""{"operations":[]}""", "operations")]
    [InlineData("""{"operations":[{"type":"borrow","product_id":"{p}","location_id":"{l}","quantity":{"value":1}}]}""", "operations[0].type")]
    [InlineData("""{"operations":[{"type":"debit","product_id":"{p}","location_id":"{l}","quantity":{"value":0}}]}""", "operations[0].quantity.value")]
    [InlineData("""{"operations":[{"type":"debit","product_id":"prod_nope","location_id":"{l}","quantity":{"value":1}}]}""", "operations[0].product_id")]
    [InlineData("""{"operations":[{"type":"debit","product_id":"{p}","location_id":"{l}","quantity":{"value":1}}],"ttl_seconds":0}""", "ttl_seconds")]
    [InlineData("""{"transaction_id":"not-a-txn","operations":[{"type":"debit","product_id":"{p}","location_id":"{l}","quantity":{"value":1}}]}""", "transaction_id")]
    public async Task Bad_prepare_is_refused(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var content = new StringContent(body.Replace("{p}", product).Replace("{l}", location), System.Text.Encoding.UTF8, "application/json");
        using var response = await kit.Client.PostAsync("/v1/inventory/transactions/prepare", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }
}
