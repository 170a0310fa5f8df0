namespace Smackdab.Inventory.Tests.Integration.Products;

/// <summary>Each test makes its own organization, so totals are exact.</summary>
public sealed class ProductListTests
{
    private static async Task<(ApiFactory Api, HttpClient Client)> NewTenantAsync()
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        return (api, tenant.Client(api));
    }

    private static async Task<string> CreateAsync(HttpClient client, string sku, string name, string status = "active", string category = "electronics")
    {
        using var response = await client.PostAsJsonAsync("/v1/products", new { sku, name, status, category });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return data.GetProperty("id").GetString()!;
    }

    private static List<string> Skus(JsonElement items) => items.EnumerateArray().Select(i => i.GetProperty("sku").GetString()!).ToList();

    [Fact]
    public async Task Filters_in_both_forms_select_by_status_and_category()
    {
        var (_, client) = await NewTenantAsync();
        await CreateAsync(client, "F-1", "One", "active", "electronics");
        await CreateAsync(client, "F-2", "Two", "inactive", "electronics");
        await CreateAsync(client, "F-3", "Three", "active", "toys");

        using var bracket = await client.GetAsync("/v1/products?filters[status]=active&filters[category]=electronics");
        var (items, pagination) = await Envelopes.ListAsync(bracket);
        Assert.Equal(["F-1"], Skus(items));
        Assert.Equal(1, pagination.GetProperty("total").GetInt32());

        using var plain = await client.GetAsync("/v1/products?status=active&sort=sku");
        (items, _) = await Envelopes.ListAsync(plain);
        Assert.Equal(["F-1", "F-3"], Skus(items));
    }

    [Fact]
    public async Task Search_matches_sku_or_name_case_insensitively()
    {
        var (_, client) = await NewTenantAsync();
        await CreateAsync(client, "CABLE-1", "USB cable");
        await CreateAsync(client, "W-1", "Blue Widget");
        await CreateAsync(client, "W-2", "Red gadget");

        using var response = await client.GetAsync("/v1/products?q=widget&sort=sku");
        var (items, _) = await Envelopes.ListAsync(response);
        Assert.Equal(["W-1"], Skus(items));

        using var bySku = await client.GetAsync("/v1/products?q=cable-");
        (items, _) = await Envelopes.ListAsync(bySku);
        Assert.Equal(["CABLE-1"], Skus(items));
    }

    [Fact]
    public async Task Offset_paging_reports_page_size_total_and_has_more()
    {
        var (_, client) = await NewTenantAsync();
        for (var i = 1; i <= 5; i++)
        {
            await CreateAsync(client, $"P-{i}", $"Product {i}");
        }

        using var page1 = await client.GetAsync("/v1/products?page=1&pageSize=2&sort=sku");
        var (items, pagination) = await Envelopes.ListAsync(page1);
        Assert.Equal(["P-1", "P-2"], Skus(items));
        Assert.Equal(1, pagination.GetProperty("page").GetInt32());
        Assert.Equal(2, pagination.GetProperty("pageSize").GetInt32());
        Assert.Equal(5, pagination.GetProperty("total").GetInt32());
        Assert.True(pagination.GetProperty("hasMore").GetBoolean());
        Assert.Equal("sku", pagination.GetProperty("sort").GetString());

        using var page3 = await client.GetAsync("/v1/products?page=3&pageSize=2&sort=sku");
        (items, pagination) = await Envelopes.ListAsync(page3);
        Assert.Equal(["P-5"], Skus(items));
        Assert.False(pagination.GetProperty("hasMore").GetBoolean());
        Assert.Equal(JsonValueKind.Null, pagination.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Descending_sort_by_name_orders_rows()
    {
        var (_, client) = await NewTenantAsync();
        await CreateAsync(client, "S-1", "Apple");
        await CreateAsync(client, "S-2", "Cherry");
        await CreateAsync(client, "S-3", "Banana");

        using var response = await client.GetAsync("/v1/products?sort=-name");
        var (items, _) = await Envelopes.ListAsync(response);
        Assert.Equal(["S-2", "S-3", "S-1"], Skus(items));
    }

    [Theory]
    [InlineData("pageSize=201", "pageSize")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("page=abc", "page")]
    [InlineData("limit=500", "limit")]
    [InlineData("sort=price", "sort")]
    [InlineData("filters[color]=red", "filters[color]")]
    [InlineData("after_key=not-a-cursor", "after_key")]
    [InlineData("fields=id,colour", "fields")]
    [InlineData("include=stock", "include")]
    public async Task Bad_list_parameters_are_refused_naming_the_parameter(string query, string field)
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        await CreateAsync(client, "B-1", "One");

        using var response = await client.GetAsync("/v1/products?" + query);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Theory]
    [InlineData("-created_at")]
    [InlineData("name")]
    [InlineData("sku")]
    public async Task Cursor_paging_returns_every_row_exactly_once_while_rows_are_inserted(string sort)
    {
        var (_, client) = await NewTenantAsync();
        var original = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            original.Add(await CreateAsync(client, $"C-{i:D2}", $"Name {i:D2}"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var inserted = 0;
        do
        {
            var url = $"/v1/products?limit=5&sort={sort}" + (cursor is null ? "" : $"&after_key={cursor}");
            using var response = await client.GetAsync(url);
            var (items, pagination) = await Envelopes.ListAsync(response);
            Assert.Equal(JsonValueKind.Null, pagination.GetProperty("page").ValueKind);
            seen.AddRange(items.EnumerateArray().Select(i => i.GetProperty("id").GetString()!));
            cursor = pagination.GetProperty("nextCursor").GetString();

            // Rows arriving between pages, sorting both before and after the cursor.
            await CreateAsync(client, $"A-NEW-{inserted}", $"AAA new {inserted}");
            await CreateAsync(client, $"Z-NEW-{inserted}", $"ZZZ new {inserted}");
            inserted++;
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(original, id => Assert.Contains(id, seen));
    }

    [Fact]
    public async Task Fields_returns_only_the_requested_fields_plus_id()
    {
        var (_, client) = await NewTenantAsync();
        var id = await CreateAsync(client, "FLD-1", "Fielded");

        using var list = await client.GetAsync("/v1/products?fields=sku,name");
        var (items, _) = await Envelopes.ListAsync(list);
        var names = items[0].EnumerateObject().Select(p => p.Name).OrderBy(n => n).ToList();
        Assert.Equal(["id", "name", "sku"], names);

        using var single = await client.GetAsync($"/v1/products/{id}?fields=status");
        var data = await Envelopes.SuccessAsync(single);
        Assert.Equal(["id", "status"], data.EnumerateObject().Select(p => p.Name).OrderBy(n => n).ToList());
    }

    [Fact]
    public async Task Include_adds_inventory_and_pricing_blocks_only_when_asked()
    {
        var (_, client) = await NewTenantAsync();
        using var create = await client.PostAsJsonAsync("/v1/products", new { sku = "INC-1", name = "Included", price = new { amount = 9.99m, currency = "EUR" } });
        var id = (await Envelopes.SuccessAsync(create, HttpStatusCode.Created)).GetProperty("id").GetString();

        using var plain = await client.GetAsync($"/v1/products/{id}");
        var data = await Envelopes.SuccessAsync(plain);
        Assert.False(data.TryGetProperty("inventory", out _));
        Assert.False(data.TryGetProperty("pricing", out _));

        using var expanded = await client.GetAsync($"/v1/products/{id}?include=inventory,pricing&fields=sku");
        data = await Envelopes.SuccessAsync(expanded);
        var inventory = data.GetProperty("inventory");
        Assert.Equal(0m, inventory.GetProperty("on_hand").GetDecimal());
        Assert.Equal(0m, inventory.GetProperty("available").GetDecimal());
        Assert.Equal(0, inventory.GetProperty("locations").GetArrayLength());
        Assert.Equal(9.99m, data.GetProperty("pricing").GetProperty("list_price").GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", data.GetProperty("pricing").GetProperty("list_price").GetProperty("currency").GetString());

        using var list = await client.GetAsync("/v1/products?include=inventory");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.True(items[0].TryGetProperty("inventory", out _));
    }
}
