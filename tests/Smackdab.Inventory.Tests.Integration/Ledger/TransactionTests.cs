namespace Smackdab.Inventory.Tests.Integration.Ledger;

public sealed class TransactionTests
{
    [Fact]
    public async Task Receipt_is_booked_with_the_spec_body_and_raises_on_hand()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        using var response = await kit.PostAsync("receipt", product, location, 100, "EACH", new { amount = 25.50m, currency = "USD" });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        Assert.StartsWith("txn_", data.GetProperty("id").GetString());
        Assert.Equal("receipt", data.GetProperty("transaction_type").GetString());
        Assert.Equal(100m, data.GetProperty("quantity").GetProperty("value").GetDecimal());
        Assert.Equal("EACH", data.GetProperty("quantity").GetProperty("uom").GetString());
        Assert.Equal(25.5m, data.GetProperty("unit_cost").GetProperty("amount").GetDecimal());
        Assert.Equal("completed", data.GetProperty("status").GetString());
        Assert.Equal(0m, data.GetProperty("previous_quantity").GetDecimal());
        Assert.Equal(100m, data.GetProperty("current_quantity").GetDecimal());
        Assert.Equal((100m, 0m, 100m), await kit.BalanceAsync(product, location));

        using var get = await kit.Client.GetAsync($"/v1/inventory/transactions/{data.GetProperty("id").GetString()}");
        Assert.Equal(100m, (await Envelopes.SuccessAsync(get)).GetProperty("quantity_change").GetDecimal());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Shipment_beyond_available_is_refused_with_insufficient_stock_and_writes_nothing()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);

        using var response = await kit.PostAsync("shipment", product, location, 11);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        Assert.Equal(11m, error.GetProperty("details").GetProperty("requested").GetDecimal());
        Assert.Equal(10m, error.GetProperty("details").GetProperty("available").GetDecimal());

        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));
        Assert.Equal(1, await kit.LedgerCountAsync(product));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Negative_adjustment_beyond_available_is_refused_but_allowed_when_the_organization_allows_negatives()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 3);

        using var refused = await kit.PostAsync("adjustment", product, location, -5, reason: "DAMAGE");
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");

        await OrganizationSettings.AllowNegativeInventoryAsync(kit, true);
        var adjusted = await kit.BookAsync("adjustment", product, location, -5, reason: "DAMAGE");
        Assert.Equal(-2m, adjusted.GetProperty("current_quantity").GetDecimal());
        Assert.Equal("DAMAGE", adjusted.GetProperty("reason_code").GetString());
        Assert.Equal((-2m, 0m, -2m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Count_sets_the_counted_quantity_and_books_the_difference()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 50);

        var count = await kit.BookAsync("count", product, location, 47);
        Assert.Equal(-3m, count.GetProperty("quantity_change").GetDecimal());
        var recount = await kit.BookAsync("count", product, location, 60);
        Assert.Equal(13m, recount.GetProperty("quantity_change").GetDecimal());
        Assert.Equal((60m, 0m, 60m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Return_adds_stock_and_shipment_takes_it()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 5);
        await kit.BookAsync("shipment", product, location, 4);
        await kit.BookAsync("return", product, location, 2);
        Assert.Equal((3m, 0m, 3m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Units_convert_to_the_base_unit_and_cost_is_weighted_per_base_unit()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync(units: new[] { new { uom = "CASE", factor = 12 } });
        var location = await kit.LocationAsync();

        var receipt = await kit.BookAsync("receipt", product, location, 2, "CASE", new { amount = 120m, currency = "USD" });
        Assert.Equal(24m, receipt.GetProperty("quantity_change").GetDecimal());
        Assert.Equal("CASE", receipt.GetProperty("quantity").GetProperty("uom").GetString());
        await kit.BookAsync("receipt", product, location, 12, "EACH", new { amount = 13m, currency = "USD" });

        using var response = await kit.Client.GetAsync($"/v1/products/{product}/inventory");
        var (items, pagination) = await Envelopes.ListAsync(response);
        var row = items[0];
        Assert.Equal(36m, row.GetProperty("on_hand").GetDecimal());
        // (24 x 10 + 12 x 13) / 36 = 11
        Assert.Equal(11m, row.GetProperty("average_unit_cost").GetProperty("amount").GetDecimal());
        Assert.Equal(1, pagination.GetProperty("total").GetInt32());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Expected_quantity_applies_only_when_on_hand_matches()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);

        using var stale = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions", new
        {
            transaction_type = "shipment", product_id = product, location_id = location, quantity = new { value = 1 }, expected_quantity = 9,
        });
        var error = await Envelopes.ErrorAsync(stale, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal(10m, error.GetProperty("details").GetProperty("current_quantity").GetDecimal());

        using var fresh = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions", new
        {
            transaction_type = "shipment", product_id = product, location_id = location, quantity = new { value = 1 }, expected_quantity = 10,
        });
        await Envelopes.SuccessAsync(fresh, HttpStatusCode.Created);
        Assert.Equal((9m, 0m, 9m), await kit.BalanceAsync(product, location));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}","quantity":{"value":0}}""", "quantity.value" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}","quantity":{"value":-4}}""", "quantity.value" },
        { """{"transaction_type":"shipment","product_id":"{p}","location_id":"{l}","quantity":{"value":"ten"}}""", "quantity.value" },
        { """{"transaction_type":"adjustment","product_id":"{p}","location_id":"{l}","quantity":{"value":0},"reason_code":"DAMAGE"}""", "quantity.value" },
        { """{"transaction_type":"adjustment","product_id":"{p}","location_id":"{l}","quantity":{"value":-1}}""", "reason_code" },
        { """{"transaction_type":"adjustment","product_id":"{p}","location_id":"{l}","quantity":{"value":-1},"reason_code":"BORED"}""", "reason_code" },
        { """{"transaction_type":"teleport","product_id":"{p}","location_id":"{l}","quantity":{"value":1}}""", "transaction_type" },
        { """{"transaction_type":"transfer_in","product_id":"{p}","location_id":"{l}","quantity":{"value":1}}""", "transaction_type" },
        { """{"transaction_type":"receipt","product_id":"prod_nope","location_id":"{l}","quantity":{"value":1}}""", "product_id" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"loc_nope","quantity":{"value":1}}""", "location_id" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}","quantity":{"value":1,"uom":"PALLET"}}""", "quantity.uom" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}","quantity":{"value":1},"unit_cost":{"amount":-1,"currency":"USD"}}""", "unit_cost.amount" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}"}""", "quantity" },
        { """{"transaction_type":"receipt","product_id":"{p}","location_id":"{l}","quantity":{"value":1.123456}}""", "quantity.value" },
        { """{"transaction_type":"count","product_id":"{p}","location_id":"{l}","quantity":{"value":-1}}""", "quantity.value" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_transaction_is_refused_naming_the_field_and_writes_nothing(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var content = new StringContent(body.Replace("{p}", product).Replace("{l}", location), System.Text.Encoding.UTF8, "application/json");
        using var response = await kit.Client.PostAsync("/v1/inventory/transactions", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task Transactions_list_filters_by_product_location_type_and_dates()
    {
        var kit = await StockKit.NewTenantAsync();
        var p1 = await kit.ProductAsync();
        var p2 = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", p1, location, 5);
        await kit.BookAsync("receipt", p2, location, 5);
        await kit.BookAsync("shipment", p1, location, 1);

        using var byProduct = await kit.Client.GetAsync($"/v1/inventory/transactions?product_id={p1}");
        Assert.Equal(2, (await Envelopes.ListAsync(byProduct)).Items.GetArrayLength());

        using var byType = await kit.Client.GetAsync($"/v1/inventory/transactions?transaction_type=shipment&location_id={location}");
        Assert.Equal(1, (await Envelopes.ListAsync(byType)).Items.GetArrayLength());

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        using var inRange = await kit.Client.GetAsync($"/v1/inventory/transactions?start_date={today}&end_date={today}");
        Assert.Equal(3, (await Envelopes.ListAsync(inRange)).Items.GetArrayLength());

        using var past = await kit.Client.GetAsync("/v1/inventory/transactions?start_date=2020-01-01&end_date=2020-01-31");
        Assert.Equal(0, (await Envelopes.ListAsync(past)).Items.GetArrayLength());

        using var bad = await kit.Client.GetAsync("/v1/inventory/transactions?start_date=yesterday");
        await Envelopes.ErrorAsync(bad, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }
}
