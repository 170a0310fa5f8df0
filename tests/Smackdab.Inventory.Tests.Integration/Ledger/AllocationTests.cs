namespace Smackdab.Inventory.Tests.Integration.Ledger;

public sealed class AllocationTests
{
    private static async Task<JsonElement> AllocateAsync(StockKit kit, string product, string location, decimal value, string priority = "normal", HttpStatusCode status = HttpStatusCode.Created)
    {
        using var response = await kit.Client.PostAsJsonAsync("/v1/allocations", new
        {
            product_id = product, location_id = location, quantity = new { value }, priority, reference = "SO-1",
        });
        return await Envelopes.SuccessAsync(response, status);
    }

    [Fact]
    public async Task Allocation_raises_allocated_and_lowers_available()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 20);

        var allocation = await AllocateAsync(kit, product, location, 8, "high");
        Assert.StartsWith("alloc_", allocation.GetProperty("id").GetString());
        Assert.Equal("pending", allocation.GetProperty("status").GetString());
        Assert.Equal((20m, 8m, 12m), await kit.BalanceAsync(product, location));

        using var shipment = await kit.PostAsync("shipment", product, location, 13);
        await Envelopes.ErrorAsync(shipment, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Allocation_beyond_available_is_refused()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 5);
        await AllocateAsync(kit, product, location, 4);

        using var response = await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = product, location_id = location, quantity = new { value = 2 } });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        Assert.Equal(1m, error.GetProperty("details").GetProperty("available").GetDecimal());
        Assert.Equal((5m, 4m, 1m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Partial_then_full_release_returns_stock_to_available()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        var id = (await AllocateAsync(kit, product, location, 6)).GetProperty("id").GetString();

        using var partial = await kit.Client.PostAsJsonAsync($"/v1/allocations/{id}/releases", new { quantity = new { value = 2 } });
        var data = await Envelopes.SuccessAsync(partial);
        Assert.Equal(4m, data.GetProperty("open_quantity").GetDecimal());
        Assert.Equal("pending", data.GetProperty("status").GetString());

        using var full = await kit.Client.PostAsJsonAsync($"/v1/allocations/{id}/releases", new { });
        Assert.Equal("released", (await Envelopes.SuccessAsync(full)).GetProperty("status").GetString());
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));

        using var again = await kit.Client.PostAsJsonAsync($"/v1/allocations/{id}/releases", new { });
        await Envelopes.ErrorAsync(again, HttpStatusCode.Conflict, "CONFLICT");
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Release_of_more_than_open_is_refused()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        var id = (await AllocateAsync(kit, product, location, 3)).GetProperty("id").GetString();

        using var response = await kit.Client.PostAsJsonAsync($"/v1/allocations/{id}/releases", new { quantity = new { value = 4 } });
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal((10m, 3m, 7m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Fulfilment_turns_an_allocation_into_a_shipment()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        var id = (await AllocateAsync(kit, product, location, 4)).GetProperty("id").GetString();

        using var response = await kit.Client.PostAsJsonAsync($"/v1/allocations/{id}/fulfillments", new { });
        var data = await Envelopes.SuccessAsync(response);
        Assert.Equal("fulfilled", data.GetProperty("status").GetString());
        Assert.Equal("shipment", data.GetProperty("transaction").GetProperty("transaction_type").GetString());
        Assert.Equal(id, data.GetProperty("transaction").GetProperty("allocation_id").GetString());
        Assert.Equal((6m, 0m, 6m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Allocations_list_filters_by_priority_and_status()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        await AllocateAsync(kit, product, location, 1, "high");
        await AllocateAsync(kit, product, location, 1, "low");
        var released = (await AllocateAsync(kit, product, location, 1, "high")).GetProperty("id").GetString();
        using var release = await kit.Client.PostAsJsonAsync($"/v1/allocations/{released}/releases", new { });
        await Envelopes.SuccessAsync(release);

        using var response = await kit.Client.GetAsync("/v1/allocations?priority=high&status=pending");
        var (items, pagination) = await Envelopes.ListAsync(response);
        Assert.Equal(1, items.GetArrayLength());
        Assert.Equal(1, pagination.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("""{"product_id":"{p}","location_id":"{l}","quantity":{"value":0}}""", "quantity.value")]
    [InlineData("""{"product_id":"{p}","location_id":"{l}","quantity":{"value":1},"priority":"urgent"}""", "priority")]
    [InlineData("""{"product_id":"prod_nope","location_id":"{l}","quantity":{"value":1}}""", "product_id")]
    [InlineData("""{"product_id":"{p}","location_id":"{l}","quantity":{"value":1,"uom":"BOX"}}""", "quantity.uom")]
    [InlineData("""{"product_id":"{p}","location_id":"{l}","quantity":{"value":true}}""", "quantity.value")]
    public async Task Bad_allocation_is_refused(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var content = new StringContent(body.Replace("{p}", product).Replace("{l}", location), System.Text.Encoding.UTF8, "application/json");
        using var response = await kit.Client.PostAsync("/v1/allocations", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }
}
