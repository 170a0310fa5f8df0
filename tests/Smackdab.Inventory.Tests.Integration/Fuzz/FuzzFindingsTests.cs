using System.Net.Http.Headers;
using System.Text;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Fuzz;

/// <summary>
/// One focused regression test per 500 the fuzz suite found (and issue 8 rows 2, 3 and 4): each answered 500 before
/// its fix and answers a 4xx in the envelope now, with nothing written.
/// </summary>
public sealed class FuzzFindingsTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    [Theory]
    [InlineData("/v1/products")]
    [InlineData("/v1/locations")]
    [InlineData("/v1/api-keys")]
    [InlineData("/v1/inventory/transactions")]
    [InlineData("/v1/allocations")]
    public async Task A_cursor_with_an_out_of_range_value_is_refused_naming_after_key(string list)
    {
        // ["-created_at","-1","x"]: well-formed, but -1 ticks is not a date.
        using var response = await fixture.Client.GetAsync(list + "?after_key=WyItY3JlYXRlZF9hdCIsIi0xIiwieCJd");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("after_key", out _), error.ToString());
    }

    [Theory]
    [InlineData("[\"-created_at\",\"99999999999999999999999\",\"x\"]")]
    [InlineData("[\"-created_at\",\"638000000000000000\",\"a\\u0000b\"]")]
    [InlineData("[\"name\",\"\\u0000\",\"prod_x\"]")]
    [InlineData("[null,null,null]")]
    public async Task A_forged_cursor_is_refused_naming_after_key(string json)
    {
        var cursor = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        var sort = json.Contains("\"name\"", StringComparison.Ordinal) ? "&sort=name" : "";
        using var response = await fixture.Client.GetAsync($"/v1/products?after_key={cursor}{sort}");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("after_key", out _), error.ToString());
    }

    [Theory]
    [InlineData("/v1/products?q=%00", "q")]
    [InlineData("/v1/inventory/audit?product_id=%00", "product_id")]
    [InlineData("/v1/inventory/locations?q=a%00b", "q")]
    [InlineData("/v1/allocations?filters[product_id]=%00", "filters[product_id]")]
    [InlineData("/v1/products?sort=%00", "sort")]
    public async Task A_NUL_byte_in_a_query_value_is_refused_naming_the_parameter(string path, string parameter)
    {
        using var response = await fixture.Client.GetAsync(path);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(parameter, out _), error.ToString());
    }

    [Theory]
    [InlineData("/v1/branches", "{\"name\":\"East\\u0000Coast\"}")]
    [InlineData("/v1/api-keys", "{\"name\":\"k\\u0000\",\"scopes\":[\"inventory.products.read\"]}")]
    public async Task A_NUL_character_in_a_body_string_is_refused_and_nothing_is_created(string path, string json)
    {
        using var before = await fixture.Client.GetAsync(path);
        var countBefore = (await Envelopes.ListAsync(before)).Pagination.GetProperty("total").GetInt32();

        using var response = await fixture.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var after = await fixture.Client.GetAsync(path);
        Assert.Equal(countBefore, (await Envelopes.ListAsync(after)).Pagination.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Quantity_times_unit_factor_beyond_the_stored_range_is_refused_naming_the_value()
    {
        var kit = await StockKit.NewTenantAsync(fixture.Api);
        var product = await kit.ProductAsync(units: new[] { new { uom = "PALLET", factor = 999_999_999_999_999m } });
        var location = await kit.LocationAsync();

        using var response = await kit.PostAsync("receipt", product, location, 999_999_999_999_999m, "PALLET");
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("quantity.value", out _), error.ToString());

        // The same through a transfer, an allocation and a hold: the shared conversion refuses it everywhere.
        using var allocation = await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = product, location_id = location, quantity = new { value = 2, uom = "PALLET" } });
        await Envelopes.ErrorAsync(allocation, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, await kit.LedgerCountAsync(product));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task On_hand_beyond_the_stored_range_is_refused_and_the_ledger_still_sums()
    {
        var kit = await StockKit.NewTenantAsync(fixture.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 900_000_000_000_000m, unitCost: new { amount = 999_999_999_999_999m, currency = "USD" });

        // Each receipt fits; their sum does not. The weighted-average cost of two huge receipts must not overflow either.
        using var second = await kit.PostAsync("receipt", product, location, 900_000_000_000_000m, unitCost: new { amount = 999_999_999_999_999m, currency = "USD" });
        var error = await Envelopes.ErrorAsync(second, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("quantity", out _), error.ToString());

        await kit.BookAsync("receipt", product, location, 99_999_999_999_999m, unitCost: new { amount = 1m, currency = "USD" });
        Assert.Equal(999_999_999_999_999m, (await kit.BalanceAsync(product, location)).OnHand);
        Assert.Equal(2, await kit.LedgerCountAsync(product));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_body_with_an_idempotency_key_is_refused_not_a_500()
    {
        // The idempotency fingerprint read the body as JSON strings and threw on the bad bytes.
        byte[] body = [.. "{\"name\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/branches") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await fixture.Client.SendAsync(request);
        var envelope = await Envelopes.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", envelope.GetProperty("responseType").GetString());
    }

    [Fact]
    public async Task A_body_that_is_not_valid_in_its_declared_charset_is_refused()
    {
        // UTF-8 bytes declared as UTF-16: the transcoding reader threw DecoderFallbackException.
        using var content = new ByteArrayContent("{\"name\":\"East\"}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-16");
        using var response = await fixture.Client.PutAsync("/v1/locations/loc_any", content);
        var envelope = await Envelopes.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, envelope.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task A_corrupt_brotli_body_is_refused_as_undecodable()
    {
        using var content = new ByteArrayContent([0x1B, 0xFF, 0xFF, 0xFF, 0x00, 0x42, 0x13, 0x37]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("br");
        using var response = await fixture.Client.PostAsync("/v1/inventory/transactions/batch", content);
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_merge_patch_with_a_duplicate_key_is_refused()
    {
        using var created = await fixture.Client.PostAsJsonAsync("/v1/products", new { sku = "DUP-" + Guid.NewGuid().ToString("N")[..8], name = "Duplicate keys" });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var patch = new StringContent("{\"status\":\"inactive\",\"status\":\"active\"}", Encoding.UTF8, "application/merge-patch+json");
        using var response = await fixture.Client.PatchAsync($"/v1/products/{id}", patch);
        var envelope = await Envelopes.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", envelope.GetProperty("responseType").GetString());
    }

    [Theory]
    [InlineData("/oauth/token")]
    [InlineData("/oauth/introspect")]
    [InlineData("/oauth/revoke")]
    public async Task An_unreadable_OAuth_form_is_an_invalid_request(string endpoint)
    {
        // A multipart Content-Type over a urlencoded body: the form reader fails and, read a second time, threw IOException.
        using var anonymous = fixture.Api.CreateClient();
        using var content = new ByteArrayContent("grant_type=client_credentials&client_id=x&client_secret=y&token=t"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=zz");
        using var response = await anonymous.PostAsync(endpoint, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Revoking_an_api_key_whose_id_is_only_whitespace_is_not_found()
    {
        // A whitespace path id binds as null; the revocation wait of the key cache threw on it.
        using var response = await fixture.Client.DeleteAsync("/v1/api-keys/%09");
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task A_null_gl_account_rule_is_a_validation_error_naming_the_rule()
    {
        using var response = await fixture.Client.PutAsync("/v1/organization/settings/gl-accounts", new StringContent(
            "{\"default_account\":\"4000\",\"rules\":[null,{\"transaction_type\":\"adjustment\",\"account\":\"5100\"}]}", Encoding.UTF8, "application/json"));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("rules[0]", out _), error.ToString());
    }

    [Fact]
    public async Task A_null_element_in_any_request_list_is_a_validation_error_naming_its_index()
    {
        // Validators read list elements as present; a null element threw NullReferenceException (units, sync rules, GL rules).
        using var created = await fixture.Client.PostAsJsonAsync("/v1/products", new { sku = "NULLS-" + Guid.NewGuid().ToString("N")[..8], name = "Null elements" });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var product = await fixture.Client.PutAsync($"/v1/products/{id}", new StringContent(
            "{\"sku\":\"NULLS-X\",\"name\":\"x\",\"units\":[null]}", Encoding.UTF8, "application/json"));
        var productError = await Envelopes.ErrorAsync(product, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(productError.GetProperty("details").TryGetProperty("units[0]", out _), productError.ToString());

        using var rules = await fixture.Client.PutAsync("/v1/inventory/sync/rules", new StringContent(
            "{\"rules\":[{\"source\":\"*\",\"field\":\"quantity\",\"strategy\":\"last_write_wins\"},null]}", Encoding.UTF8, "application/json"));
        var rulesError = await Envelopes.ErrorAsync(rules, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(rulesError.GetProperty("details").TryGetProperty("rules[1]", out _), rulesError.ToString());
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_merge_patch_property_name_is_a_400_and_changes_nothing()
    {
        using var created = await fixture.Client.PostAsJsonAsync("/v1/locations", new { name = "UTF-8 " + Guid.NewGuid().ToString("N")[..8] });
        var location = await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        var id = location.GetProperty("id").GetString();
        // {"\xC3": "x"}: a lone UTF-8 lead byte inside a property name.
        using var patch = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)':', (byte)'"', (byte)'x', (byte)'"', (byte)'}']);
        patch.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        using var response = await fixture.Client.PatchAsync($"/v1/locations/{id}", patch);
        var envelope = await Envelopes.ReadAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", envelope.GetProperty("responseType").GetString());

        using var after = await fixture.Client.GetAsync($"/v1/locations/{id}");
        Assert.Equal(location.GetProperty("version").GetInt32(), (await Envelopes.SuccessAsync(after)).GetProperty("version").GetInt32());
    }
}
