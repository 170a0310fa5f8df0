namespace Smackdab.Inventory.Tests.Integration.Ledger;

public sealed class ReadModelTests
{
    [Fact]
    public async Task Product_location_and_summary_views_agree_with_the_ledger()
    {
        var kit = await StockKit.NewTenantAsync();
        var widget = await kit.ProductAsync("VIEW-W");
        var gadget = await kit.ProductAsync("VIEW-G");
        var warehouse = await kit.LocationAsync("Warehouse", "warehouse");
        var store = await kit.LocationAsync("Store", "retail");
        await kit.BookAsync("receipt", widget, warehouse, 30);
        await kit.BookAsync("receipt", widget, store, 5);
        await kit.BookAsync("receipt", gadget, warehouse, 7);
        using var allocate = await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = widget, location_id = store, quantity = new { value = 2 } });
        await Envelopes.SuccessAsync(allocate, HttpStatusCode.Created);

        using var productView = await kit.Client.GetAsync($"/v1/products/{widget}/inventory");
        var body = await Envelopes.ReadAsync(productView);
        var totals = body.GetProperty("meta").GetProperty("totals");
        Assert.Equal(35m, totals.GetProperty("on_hand").GetDecimal());
        Assert.Equal(33m, totals.GetProperty("available").GetDecimal());
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());

        using var locationView = await kit.Client.GetAsync($"/v1/locations/{warehouse}/inventory");
        var (items, _) = await Envelopes.ListAsync(locationView);
        Assert.Equal(["VIEW-G", "VIEW-W"], items.EnumerateArray().Select(i => i.GetProperty("sku").GetString()).ToList());

        using var alias = await kit.Client.GetAsync($"/v1/inventory/locations/{warehouse}/products?pageSize=1");
        var (aliasItems, pagination) = await Envelopes.ListAsync(alias);
        Assert.Equal(1, aliasItems.GetArrayLength());
        Assert.True(pagination.GetProperty("hasMore").GetBoolean());

        using var summary = await kit.Client.GetAsync("/v1/inventory/summary");
        var (rows, _) = await Envelopes.ListAsync(summary);
        var widgetRow = rows.EnumerateArray().Single(r => r.GetProperty("sku").GetString() == "VIEW-W");
        Assert.Equal(35m, widgetRow.GetProperty("on_hand").GetDecimal());
        Assert.Equal(30m, widgetRow.GetProperty("by_location_group").GetProperty("warehouse").GetProperty("on_hand").GetDecimal());
        Assert.Equal(3m, widgetRow.GetProperty("by_location_group").GetProperty("retail").GetProperty("available").GetDecimal());

        using var included = await kit.Client.GetAsync($"/v1/products/{widget}?include=inventory");
        var inventory = (await Envelopes.SuccessAsync(included)).GetProperty("inventory");
        Assert.Equal(35m, inventory.GetProperty("on_hand").GetDecimal());
        Assert.Equal(2m, inventory.GetProperty("allocated").GetDecimal());
        Assert.Equal(2, inventory.GetProperty("locations").GetArrayLength());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Branch_isolated_reads_show_only_the_branchs_stock()
    {
        var kit = await StockKit.NewTenantAsync();
        using var branchResponse = await kit.Client.PostAsJsonAsync("/v1/branches", new { name = "East" });
        var east = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var product = await kit.ProductAsync();
        var main = await kit.LocationAsync("Main");
        using var eastLocationResponse = await kit.Client.PostAsJsonAsync("/v1/locations", new { name = "East WH", branch_id = east });
        var eastLocation = (await Envelopes.SuccessAsync(eastLocationResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await kit.BookAsync("receipt", product, main, 10);
        await kit.BookAsync("receipt", product, eastLocation, 4);

        using var isolated = kit.Tenant.Client(kit.Api, branchId: east, inventoryMode: "branch_isolated");
        using var view = await isolated.GetAsync($"/v1/products/{product}/inventory");
        var body = await Envelopes.ReadAsync(view);
        Assert.Equal(4m, body.GetProperty("meta").GetProperty("totals").GetProperty("on_hand").GetDecimal());

        using var ledger = await isolated.GetAsync("/v1/inventory/transactions");
        Assert.Equal(1, (await Envelopes.ListAsync(ledger)).Items.GetArrayLength());

        using var shipFromMain = await isolated.PostAsJsonAsync("/v1/inventory/transactions", new
        {
            transaction_type = "shipment", product_id = product, location_id = main, quantity = new { value = 1 },
        });
        var error = await Envelopes.ErrorAsync(shipFromMain, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("location_id", out _));
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, main));
    }
}

public sealed class BalanceETagTests
{
    [Fact]
    public async Task A_balance_carries_its_version_as_etag_and_answers_304_until_stock_moves()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();

        using var empty = await kit.Client.GetAsync($"/v1/products/{product}/inventory/{location}");
        Assert.Equal(0m, (await Envelopes.SuccessAsync(empty)).GetProperty("on_hand").GetDecimal());
        Assert.Equal("\"version-0\"", empty.Headers.ETag!.Tag);

        await kit.BookAsync("receipt", product, location, 5);
        using var first = await kit.Client.GetAsync($"/v1/products/{product}/inventory/{location}");
        var data = await Envelopes.SuccessAsync(first);
        Assert.Equal(5m, data.GetProperty("on_hand").GetDecimal());
        var etag = first.Headers.ETag!.Tag;
        Assert.Equal($"\"version-{data.GetProperty("version").GetInt32()}\"", etag);

        using var unchanged = new HttpRequestMessage(HttpMethod.Get, $"/v1/products/{product}/inventory/{location}");
        unchanged.Headers.IfNoneMatch.ParseAdd(etag);
        using var notModified = await kit.Client.SendAsync(unchanged);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        await kit.BookAsync("shipment", product, location, 1);
        using var moved = new HttpRequestMessage(HttpMethod.Get, $"/v1/products/{product}/inventory/{location}");
        moved.Headers.IfNoneMatch.ParseAdd(etag);
        using var changed = await kit.Client.SendAsync(moved);
        Assert.Equal(4m, (await Envelopes.SuccessAsync(changed)).GetProperty("on_hand").GetDecimal());
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
    }

    [Fact]
    public async Task Another_organizations_balance_is_not_found()
    {
        var owner = await StockKit.NewTenantAsync();
        var product = await owner.ProductAsync();
        var location = await owner.LocationAsync();
        await owner.BookAsync("receipt", product, location, 5);

        var intruder = await StockKit.NewTenantAsync(owner.Api);
        using var response = await intruder.Client.GetAsync($"/v1/products/{product}/inventory/{location}");
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
