namespace Smackdab.Inventory.Tests.Integration.Products;

public sealed class ProductCrudTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static object NewProduct(string sku) => new
    {
        sku,
        name = "Premium Widget",
        category = "electronics",
        price = new { amount = 25.50m, currency = "USD" },
    };

    [Fact]
    public async Task Created_product_is_returned_with_prefixed_id_version_and_etag()
    {
        using var response = await _client.PostAsJsonAsync("/v1/products", NewProduct("CRUD-1"));
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        var id = data.GetProperty("id").GetString()!;
        Assert.StartsWith("prod_", id);
        Assert.Equal("CRUD-1", data.GetProperty("sku").GetString());
        Assert.Equal("active", data.GetProperty("status").GetString());
        Assert.Equal("EACH", data.GetProperty("uom").GetString());
        Assert.Equal(25.5m, data.GetProperty("price").GetProperty("amount").GetDecimal());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
        Assert.Equal("\"version-1\"", response.Headers.ETag!.Tag);
        Assert.Equal($"/v1/products/{id}", response.Headers.Location!.OriginalString);

        using var get = await _client.GetAsync($"/v1/products/{id}");
        var fetched = await Envelopes.SuccessAsync(get);
        Assert.Equal("Premium Widget", fetched.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Duplicate_sku_is_a_conflict_naming_the_field()
    {
        using var first = await _client.PostAsJsonAsync("/v1/products", NewProduct("DUP-1"));
        await Envelopes.SuccessAsync(first, HttpStatusCode.Created);

        using var second = await _client.PostAsJsonAsync("/v1/products", NewProduct("DUP-1"));
        var error = await Envelopes.ErrorAsync(second, HttpStatusCode.Conflict, "CONFLICT");
        Assert.True(error.GetProperty("details").TryGetProperty("sku", out _));
    }

    [Fact]
    public async Task Put_replaces_fields_and_bumps_version()
    {
        var id = await CreateAsync("PUT-1");
        using var response = await _client.PutAsJsonAsync($"/v1/products/{id}", new { sku = "PUT-1", name = "Renamed", status = "inactive" });
        var data = await Envelopes.SuccessAsync(response);

        Assert.Equal("Renamed", data.GetProperty("name").GetString());
        Assert.Equal("inactive", data.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("category").ValueKind);
        Assert.Equal(2, data.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent()
    {
        var id = await CreateAsync("PATCH-1");
        using var response = await _client.PatchAsJsonAsync($"/v1/products/{id}", new { name = "Patched", price = new { amount = 30m } });
        var data = await Envelopes.SuccessAsync(response);

        Assert.Equal("Patched", data.GetProperty("name").GetString());
        Assert.Equal("electronics", data.GetProperty("category").GetString());
        Assert.Equal(30m, data.GetProperty("price").GetProperty("amount").GetDecimal());
        Assert.Equal("USD", data.GetProperty("price").GetProperty("currency").GetString());
    }

    [Fact]
    public async Task Patch_with_invalid_value_is_refused_and_changes_nothing()
    {
        var id = await CreateAsync("PATCH-2");
        using var response = await _client.PatchAsJsonAsync($"/v1/products/{id}", new { name = "Ok name", status = "sold_out" });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("status", out _));

        using var get = await _client.GetAsync($"/v1/products/{id}");
        var data = await Envelopes.SuccessAsync(get);
        Assert.Equal("Premium Widget", data.GetProperty("name").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Patch_cannot_set_id_or_version()
    {
        var id = await CreateAsync("PATCH-3");
        using var response = await _client.PatchAsJsonAsync($"/v1/products/{id}", new { id = "prod_other", version = 9 });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("id", out _));
        Assert.True(error.GetProperty("details").TryGetProperty("version", out _));
    }

    [Fact]
    public async Task Update_with_stale_if_match_is_a_conflict_with_both_versions()
    {
        var id = await CreateAsync("ETAG-1");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/products/{id}")
        {
            Content = JsonContent.Create(new { sku = "ETAG-1", name = "x" }),
        };
        request.Headers.IfMatch.ParseAdd("\"version-7\"");
        using var response = await _client.SendAsync(request);

        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal(1, error.GetProperty("details").GetProperty("current_version").GetInt32());
        Assert.Equal(7, error.GetProperty("details").GetProperty("provided_version").GetInt32());
    }

    [Fact]
    public async Task Get_with_current_etag_is_not_modified()
    {
        var id = await CreateAsync("ETAG-2");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/products/{id}");
        request.Headers.IfNoneMatch.ParseAdd("\"version-1\"");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task Deleted_product_disappears_and_frees_its_sku()
    {
        var id = await CreateAsync("DEL-1");
        using var delete = await _client.DeleteAsync($"/v1/products/{id}");
        var data = await Envelopes.SuccessAsync(delete);
        Assert.True(data.GetProperty("deleted").GetBoolean());

        using var get = await _client.GetAsync($"/v1/products/{id}");
        await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");

        using var again = await _client.PostAsJsonAsync("/v1/products", NewProduct("DEL-1"));
        await Envelopes.SuccessAsync(again, HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("{\"name\":\"x\"}", "sku")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"\"}", "name")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"x\",\"price\":{\"amount\":-5,\"currency\":\"USD\"}}", "price.amount")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"x\",\"price\":{\"amount\":5,\"currency\":\"dollars\"}}", "price.currency")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"x\",\"status\":\"sold_out\"}", "status")]
    [InlineData("{\"sku\":123,\"name\":\"x\"}", "sku")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"x\",\"price\":{\"amount\":\"ten\",\"currency\":\"USD\"}}", "price.amount")]
    [InlineData("{\"sku\":\"OK-1\",\"name\":\"x\",\"organization_id\":\"org_other\"}", "organization_id")]
    public async Task Invalid_product_is_refused_with_details_keyed_by_field_path(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/v1/products", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out var messages), $"details lack {field}: {error}");
        Assert.True(messages.GetArrayLength() > 0);

        using var list = await _client.GetAsync("/v1/products?sku=OK-1&q=OK-1");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.Equal(0, items.GetArrayLength());
    }

    private async Task<string> CreateAsync(string sku)
    {
        using var response = await _client.PostAsJsonAsync("/v1/products", NewProduct(sku));
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return data.GetProperty("id").GetString()!;
    }
}
