namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>Bad input on the ledger's read and action endpoints: a 4xx envelope naming the problem, never a 500, nothing written.</summary>
public sealed class LedgerBadInputTests
{
    [Theory]
    [InlineData("/v1/inventory/transactions?pageSize=0", "pageSize")]
    [InlineData("/v1/inventory/transactions?end_date=2025-13-45", "end_date")]
    [InlineData("/v1/inventory/transactions?filters[color]=red", "filters[color]")]
    [InlineData("/v1/allocations?sort=price", "sort")]
    [InlineData("/v1/allocations?limit=1000", "limit")]
    [InlineData("/v1/inventory/summary?sort=-price", "sort")]
    [InlineData("/v1/products/{p}/inventory?after_key=garbage", "after_key")]
    [InlineData("/v1/locations/{l}/inventory?page=-1", "page")]
    public async Task Bad_list_parameters_are_refused_naming_the_parameter(string path, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var response = await kit.Client.GetAsync(path.Replace("{p}", product).Replace("{l}", location));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Theory]
    [InlineData("/v1/inventory/transactions/txn_missing")]
    [InlineData("/v1/inventory/transactions/txn_missing/prepared")]
    [InlineData("/v1/inventory/transfers/trf_missing")]
    [InlineData("/v1/allocations/alloc_missing")]
    [InlineData("/v1/products/prod_missing/inventory")]
    [InlineData("/v1/locations/loc_missing/inventory")]
    [InlineData("/v1/products/prod_missing/inventory/loc_missing")]
    public async Task Unknown_ids_are_not_found(string path)
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.GetAsync(path);
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("/v1/inventory/transactions/txn_missing/commit")]
    [InlineData("/v1/inventory/transactions/txn_missing/abort")]
    [InlineData("/v1/allocations/alloc_missing/releases")]
    [InlineData("/v1/allocations/alloc_missing/fulfillments")]
    public async Task Actions_on_unknown_ids_are_not_found(string path)
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.PostAsJsonAsync(path, new { });
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("""{"quantity":{"value":"two"}}""", "quantity.value")]
    [InlineData("""{"quantity":{"value":0}}""", "quantity.value")]
    [InlineData("""{"quantity":{"value":1,"uom":"PALLET"}}""", "quantity.uom")]
    [InlineData("""{"quantity":5}""", "quantity")]
    public async Task Bad_release_and_fulfilment_bodies_are_refused_and_change_nothing(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        using var allocate = await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = product, location_id = location, quantity = new { value = 4 } });
        var id = (await Envelopes.SuccessAsync(allocate, HttpStatusCode.Created)).GetProperty("id").GetString();

        foreach (var action in new[] { "releases", "fulfillments" })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await kit.Client.PostAsync($"/v1/allocations/{id}/{action}", content);
            var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
            Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
        }

        Assert.Equal((10m, 4m, 6m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }
}
