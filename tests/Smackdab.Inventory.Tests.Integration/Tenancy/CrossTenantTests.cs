namespace Smackdab.Inventory.Tests.Integration.Tenancy;

/// <summary>Organization B's credential and header never reach organization A's data: foreign ids are 404, foreign headers 403.</summary>
public sealed class CrossTenantTests : IAsyncLifetime
{
    private ApiFactory _api = null!;
    private Tenant _owner = null!;
    private Tenant _other = null!;
    private string _productId = "";
    private string _locationId = "";
    private string _apiKeyId = "";
    private string _transactionId = "";
    private string _transferId = "";
    private string _allocationId = "";
    private string _holdId = "";

    public async Task InitializeAsync()
    {
        _api = await SharedApi.GetAsync();
        _owner = await Tenant.CreateAsync(_api, "Owner");
        _other = await Tenant.CreateAsync(_api, "Other");
        using var client = _owner.Client(_api);
        using var product = await client.PostAsJsonAsync("/v1/products", new { sku = "SECRET-1", name = "Secret" });
        _productId = (await Envelopes.SuccessAsync(product, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var location = await client.PostAsJsonAsync("/v1/locations", new { name = "Secret WH" });
        _locationId = (await Envelopes.SuccessAsync(location, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var key = await client.PostAsJsonAsync("/v1/api-keys", new { name = "k", scopes = new[] { "inventory.products.read" } });
        _apiKeyId = (await Envelopes.SuccessAsync(key, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        using var second = await client.PostAsJsonAsync("/v1/locations", new { name = "Secret Store" });
        var secondLocation = (await Envelopes.SuccessAsync(second, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var receipt = await client.PostAsJsonAsync("/v1/inventory/transactions", new
        {
            transaction_type = "receipt", product_id = _productId, location_id = _locationId, quantity = new { value = 100 },
        });
        _transactionId = (await Envelopes.SuccessAsync(receipt, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var transfer = await client.PostAsJsonAsync("/v1/inventory/transfers", new
        {
            source_location_id = _locationId, destination_location_id = secondLocation, product_id = _productId, quantity = new { value = 10 },
        });
        _transferId = (await Envelopes.SuccessAsync(transfer, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var allocation = await client.PostAsJsonAsync("/v1/allocations", new { product_id = _productId, location_id = _locationId, quantity = new { value = 5 } });
        _allocationId = (await Envelopes.SuccessAsync(allocation, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var hold = await client.PostAsJsonAsync("/v1/inventory/transactions/prepare", new
        {
            operations = new[] { new { type = "debit", product_id = _productId, location_id = _locationId, quantity = new { value = 3 } } },
        });
        _holdId = (await Envelopes.SuccessAsync(hold, HttpStatusCode.Created)).GetProperty("transaction_id").GetString()!;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, string?> ResourceCalls => new()
    {
        { "GET", "/v1/products/{product}", null },
        { "PUT", "/v1/products/{product}", "{\"sku\":\"SECRET-1\",\"name\":\"Stolen\"}" },
        { "PATCH", "/v1/products/{product}", "{\"name\":\"Stolen\"}" },
        { "DELETE", "/v1/products/{product}", null },
        { "GET", "/v1/locations/{location}", null },
        { "GET", "/v1/inventory/locations/{location}", null },
        { "PUT", "/v1/locations/{location}", "{\"name\":\"Stolen\"}" },
        { "PATCH", "/v1/locations/{location}", "{\"name\":\"Stolen\"}" },
        { "DELETE", "/v1/locations/{location}", null },
        { "GET", "/v1/api-keys/{key}", null },
        { "DELETE", "/v1/api-keys/{key}", null },
        { "GET", "/v1/inventory/transactions/{txn}", null },
        { "GET", "/v1/inventory/transactions/{hold}/prepared", null },
        { "POST", "/v1/inventory/transactions/{hold}/commit", null },
        { "POST", "/v1/inventory/transactions/{hold}/abort", null },
        { "GET", "/v1/inventory/transfers/{transfer}", null },
        { "GET", "/v1/allocations/{allocation}", null },
        { "POST", "/v1/allocations/{allocation}/releases", "{}" },
        { "POST", "/v1/allocations/{allocation}/fulfillments", "{}" },
        { "GET", "/v1/products/{product}/inventory", null },
        { "GET", "/v1/locations/{location}/inventory", null },
        { "GET", "/v1/inventory/locations/{location}/products", null },
    };

    public static TheoryData<string, string> ForeignReferenceWrites => new()
    {
        { "/v1/inventory/transactions", """{"transaction_type":"shipment","product_id":"{product}","location_id":"{location}","quantity":{"value":1}}""" },
        { "/v1/inventory/transactions/batch", """{"transactions":[{"transaction_type":"shipment","product_id":"{product}","location_id":"{location}","quantity":{"value":1}}]}""" },
        { "/v1/inventory/transfers", """{"source_location_id":"{location}","destination_location_id":"{location}x","product_id":"{product}","quantity":{"value":1}}""" },
        { "/v1/allocations", """{"product_id":"{product}","location_id":"{location}","quantity":{"value":1}}""" },
        { "/v1/inventory/transactions/prepare", """{"operations":[{"type":"debit","product_id":"{product}","location_id":"{location}","quantity":{"value":1}}]}""" },
    };

    [Theory]
    [MemberData(nameof(ForeignReferenceWrites))]
    public async Task Writes_naming_another_organizations_product_or_location_are_refused(string path, string body)
    {
        using var intruder = _other.Client(_api);
        using var response = await intruder.SendAsync(Request("POST", path, body));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("not found", error.GetProperty("details").ToString());
        await AssertOwnerDataIntactAsync();
    }

    [Theory]
    [MemberData(nameof(ResourceCalls))]
    public async Task Another_organizations_id_is_not_found_and_unchanged(string method, string path, string? body)
    {
        using var intruder = _other.Client(_api);
        using var response = await intruder.SendAsync(Request(method, path, body));
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        await AssertOwnerDataIntactAsync();
    }

    [Theory]
    [MemberData(nameof(ResourceCalls))]
    public async Task A_credential_used_with_another_organizations_header_is_denied(string method, string path, string? body)
    {
        using var client = _api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", _other.AdminKey);
        client.DefaultRequestHeaders.Add("X-Organization-ID", _owner.OrganizationId);
        using var response = await client.SendAsync(Request(method, path, body));
        await Envelopes.ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        await AssertOwnerDataIntactAsync();
    }

    [Theory]
    [InlineData("/v1/products")]
    [InlineData("/v1/locations")]
    [InlineData("/v1/inventory/locations")]
    [InlineData("/v1/api-keys")]
    [InlineData("/v1/branches")]
    [InlineData("/v1/inventory/transactions")]
    [InlineData("/v1/allocations")]
    [InlineData("/v1/inventory/summary")]
    public async Task Lists_never_include_another_organizations_rows(string path)
    {
        using var intruder = _other.Client(_api);
        using var response = await intruder.GetAsync(path);
        var (items, _) = await Envelopes.ListAsync(response);
        var text = items.ToString();
        Assert.DoesNotContain(_productId, text);
        Assert.DoesNotContain(_locationId, text);
        Assert.DoesNotContain(_apiKeyId, text);
        Assert.DoesNotContain(_owner.BranchId, text);
        Assert.DoesNotContain(_transactionId, text);
        Assert.DoesNotContain(_allocationId, text);
    }

    [Fact]
    public async Task Audit_covers_only_the_callers_organization()
    {
        using var intruder = _other.Client(_api);
        using var response = await intruder.GetAsync("/v1/inventory/audit");
        var report = await Envelopes.SuccessAsync(response);
        Assert.Equal(0, report.GetProperty("checked_balances").GetInt32());
        Assert.Equal(0, report.GetProperty("ledger_rows").GetInt32());
    }

    [Fact]
    public async Task Creating_with_another_organizations_branch_is_refused()
    {
        using var intruder = _other.Client(_api);
        using var response = await intruder.PostAsJsonAsync("/v1/locations", new { name = "Sneaky", branch_id = _owner.BranchId });
        await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var header = _other.Client(_api, branchId: _owner.BranchId);
        using var viaHeader = await header.GetAsync("/v1/locations");
        await Envelopes.ErrorAsync(viaHeader, HttpStatusCode.BadRequest, "INVALID_HEADER");
    }

    private HttpRequestMessage Request(string method, string path, string? body)
    {
        var url = Fill(path);
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(Fill(body), System.Text.Encoding.UTF8, "application/json");
        }

        return request;
    }

    private string Fill(string text) => text
        .Replace("{product}", _productId).Replace("{location}", _locationId).Replace("{key}", _apiKeyId)
        .Replace("{txn}", _transactionId).Replace("{transfer}", _transferId).Replace("{allocation}", _allocationId).Replace("{hold}", _holdId);

    private async Task AssertOwnerDataIntactAsync()
    {
        using var owner = _owner.Client(_api);
        using var product = await owner.GetAsync($"/v1/products/{_productId}");
        var data = await Envelopes.SuccessAsync(product);
        Assert.Equal("Secret", data.GetProperty("name").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
        using var location = await owner.GetAsync($"/v1/locations/{_locationId}");
        Assert.Equal(1, (await Envelopes.SuccessAsync(location)).GetProperty("version").GetInt32());
        using var key = await owner.GetAsync($"/v1/api-keys/{_apiKeyId}");
        Assert.Equal(JsonValueKind.Null, (await Envelopes.SuccessAsync(key)).GetProperty("revoked_at").ValueKind);
        using var stock = await owner.GetAsync($"/v1/products/{_productId}/inventory");
        var totals = (await Envelopes.ReadAsync(stock)).GetProperty("meta").GetProperty("totals");
        Assert.Equal(100m, totals.GetProperty("on_hand").GetDecimal());
        Assert.Equal(8m, totals.GetProperty("allocated").GetDecimal());
        using var hold = await owner.GetAsync($"/v1/inventory/transactions/{_holdId}/prepared");
        Assert.Equal("prepared", (await Envelopes.SuccessAsync(hold)).GetProperty("status").GetString());
        using var allocation = await owner.GetAsync($"/v1/allocations/{_allocationId}");
        Assert.Equal("pending", (await Envelopes.SuccessAsync(allocation)).GetProperty("status").GetString());
        using var audit = await owner.GetAsync("/v1/inventory/audit");
        Assert.True((await Envelopes.SuccessAsync(audit)).GetProperty("consistent").GetBoolean());
    }
}
