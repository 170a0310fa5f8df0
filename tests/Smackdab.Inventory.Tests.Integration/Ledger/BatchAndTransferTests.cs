namespace Smackdab.Inventory.Tests.Integration.Ledger;

public sealed class BatchAndTransferTests
{
    private static object Item(string type, string product, string location, decimal value, string? reason = null) =>
        new { transaction_type = type, product_id = product, location_id = location, quantity = new { value, uom = "EACH" }, reason_code = reason };

    [Fact]
    public async Task Batch_books_every_item_in_order()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new[] { Item("receipt", product, location, 100), Item("adjustment", product, location, -5, "DAMAGE"), Item("shipment", product, location, 95) },
        });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        Assert.Equal(3, data.GetProperty("count").GetInt32());
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Batch_with_one_bad_item_writes_nothing_and_names_the_item()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new[] { Item("receipt", product, location, 10), Item("receipt", "prod_missing", location, 1), Item("receipt", product, location, 0) },
        });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("transactions[2].quantity.value", out _), error.ToString());

        using var second = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new[] { Item("receipt", product, location, 10), Item("receipt", "prod_missing", location, 1) },
        });
        var notFound = await Envelopes.ErrorAsync(second, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(notFound.GetProperty("details").TryGetProperty("transactions[1].product_id", out _), notFound.ToString());

        Assert.Equal(0, await kit.LedgerCountAsync());
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Batch_that_would_go_negative_in_a_later_item_writes_nothing()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new[] { Item("receipt", product, location, 10), Item("shipment", product, location, 6), Item("shipment", product, location, 6) },
        });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        Assert.Equal("transactions[2].quantity.value", error.GetProperty("details").GetProperty("field").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Batch_over_500_items_or_empty_is_refused()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var items = Enumerable.Range(0, 501).Select(_ => Item("receipt", product, location, 1)).ToArray();
        using var tooMany = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new { transactions = items });
        var error = await Envelopes.ErrorAsync(tooMany, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("transactions", out _));

        using var empty = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new { transactions = Array.Empty<object>() });
        await Envelopes.ErrorAsync(empty, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task Transfer_moves_stock_atomically_with_two_ledger_rows()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var from = await kit.LocationAsync("A");
        var to = await kit.LocationAsync("B");
        await kit.BookAsync("receipt", product, from, 80, unitCost: new { amount = 2m, currency = "USD" });

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transfers", new
        {
            source_location_id = from, destination_location_id = to, product_id = product, quantity = new { value = 50, uom = "EACH" },
        });
        var transfer = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        Assert.StartsWith("trf_", transfer.GetProperty("id").GetString());
        Assert.Equal(2, transfer.GetProperty("transactions").GetArrayLength());
        Assert.Equal((30m, 0m, 30m), await kit.BalanceAsync(product, from));
        Assert.Equal((50m, 0m, 50m), await kit.BalanceAsync(product, to));

        using var get = await kit.Client.GetAsync($"/v1/inventory/transfers/{transfer.GetProperty("id").GetString()}");
        Assert.Equal(from, (await Envelopes.SuccessAsync(get)).GetProperty("source_location_id").GetString());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Transfer_beyond_available_moves_nothing()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var from = await kit.LocationAsync("A");
        var to = await kit.LocationAsync("B");
        await kit.BookAsync("receipt", product, from, 5);

        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transfers", new
        {
            source_location_id = from, destination_location_id = to, product_id = product, quantity = new { value = 6 },
        });
        await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        Assert.Equal((5m, 0m, 5m), await kit.BalanceAsync(product, from));
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(product, to));
        Assert.Equal(1, await kit.LedgerCountAsync());
    }

    [Theory]
    [InlineData("same", "destination_location_id")]
    [InlineData("missing", "destination_location_id")]
    [InlineData("zero", "quantity.value")]
    public async Task Bad_transfer_is_refused(string kind, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var from = await kit.LocationAsync("A");
        var to = kind switch { "same" => from, "missing" => "loc_missing", _ => await kit.LocationAsync("B") };
        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transfers", new
        {
            source_location_id = from, destination_location_id = to, product_id = product, quantity = new { value = kind == "zero" ? 0 : 1 },
        });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }
}
