using System.Text.Json.Nodes;

namespace Smackdab.Inventory.Tests.Integration.Security;

/// <summary>Request bodies cannot set server-owned fields: ids, organization, version, computed quantities, timestamps, secrets.</summary>
public sealed class MassAssignmentTests : IAsyncLifetime
{
    private static readonly string[] ServerOwned = ["id", "organization_id", "version", "created_at", "updated_at"];

    private ApiFactory _api = null!;
    private Tenant _tenant = null!;
    private HttpClient _client = null!;
    private string _productId = "";
    private string _locationId = "";

    public static TheoryData<string> ProductFields => new(ServerOwned.Concat(["deleted_at", "inventory", "on_hand", "available", "allocated", "pricing"]));

    public static TheoryData<string> LocationFields => new(ServerOwned.Concat(["deleted_at"]));

    public static TheoryData<string> ApiKeyFields => new(["id", "organization_id", "created_at", "last_used_at", "revoked_at", "secret", "secret_hash", "prefix"]);

    public static TheoryData<string> OAuthClientFields => new(["id", "organization_id", "created_at", "last_used_at", "revoked_at", "secret", "secret_hash", "secret_prefix"]);

    public async Task InitializeAsync()
    {
        _api = await SharedApi.GetAsync();
        _tenant = await Tenant.CreateAsync(_api, "Mass assignment");
        _client = _tenant.Client(_api);
        using var product = await _client.PostAsJsonAsync("/v1/products", new { sku = "MA-1", name = "Original" });
        _productId = (await Envelopes.SuccessAsync(product, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var location = await _client.PostAsJsonAsync("/v1/locations", new { name = "Original WH" });
        _locationId = (await Envelopes.SuccessAsync(location, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [MemberData(nameof(ProductFields))]
    public async Task Product_create_replace_and_patch_refuse_server_owned_fields(string field)
    {
        var body = new JsonObject { ["sku"] = "MA-NEW-" + field, ["name"] = "Sneaky", [field] = Value(field) };
        await AssertRefusedAsync(HttpMethod.Post, "/v1/products", body, field);
        await AssertRefusedAsync(HttpMethod.Put, $"/v1/products/{_productId}", new JsonObject { ["sku"] = "MA-1", ["name"] = "Sneaky", [field] = Value(field) }, field);
        await AssertRefusedAsync(HttpMethod.Patch, $"/v1/products/{_productId}", new JsonObject { [field] = Value(field) }, field);

        using var list = await _client.GetAsync("/v1/products?q=MA-NEW");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
        using var product = await _client.GetAsync($"/v1/products/{_productId}");
        var data = await Envelopes.SuccessAsync(product);
        Assert.Equal(_productId, data.GetProperty("id").GetString());
        Assert.Equal("Original", data.GetProperty("name").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
    }

    [Theory]
    [MemberData(nameof(LocationFields))]
    public async Task Location_create_replace_and_patch_refuse_server_owned_fields(string field)
    {
        await AssertRefusedAsync(HttpMethod.Post, "/v1/locations", new JsonObject { ["name"] = "Sneaky " + field, [field] = Value(field) }, field);
        await AssertRefusedAsync(HttpMethod.Put, $"/v1/locations/{_locationId}", new JsonObject { ["name"] = "Sneaky", [field] = Value(field) }, field);
        await AssertRefusedAsync(HttpMethod.Patch, $"/v1/locations/{_locationId}", new JsonObject { [field] = Value(field) }, field);

        using var location = await _client.GetAsync($"/v1/locations/{_locationId}");
        var data = await Envelopes.SuccessAsync(location);
        Assert.Equal("Original WH", data.GetProperty("name").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
    }

    [Theory]
    [MemberData(nameof(ApiKeyFields))]
    public async Task Api_key_create_refuses_server_owned_fields(string field)
    {
        await AssertRefusedAsync(HttpMethod.Post, "/v1/api-keys",
            new JsonObject { ["name"] = "Sneaky " + field, ["scopes"] = new JsonArray("inventory.products.read"), [field] = Value(field) }, field);
        using var list = await _client.GetAsync("/v1/api-keys");
        Assert.DoesNotContain("Sneaky", (await Envelopes.ListAsync(list)).Items.ToString());
    }

    [Theory]
    [MemberData(nameof(OAuthClientFields))]
    public async Task Oauth_client_create_refuses_server_owned_fields(string field)
    {
        await AssertRefusedAsync(HttpMethod.Post, "/v1/oauth/clients",
            new JsonObject { ["name"] = "Sneaky " + field, ["scopes"] = new JsonArray("inventory.products.read"), [field] = Value(field) }, field);
        using var list = await _client.GetAsync("/v1/oauth/clients");
        Assert.DoesNotContain("Sneaky", (await Envelopes.ListAsync(list)).Items.ToString());
    }

    private static JsonNode Value(string field) => field switch
    {
        "version" => 99,
        "inventory" or "pricing" => new JsonObject { ["on_hand"] = 1000 },
        "on_hand" or "available" or "allocated" => 1000,
        _ when field.EndsWith("_at", StringComparison.Ordinal) => "2020-01-01T00:00:00Z",
        "organization_id" => "org_someoneelse000000",
        _ => "forged_value_0000000000",
    };

    private async Task AssertRefusedAsync(HttpMethod method, string path, JsonObject body, string field)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _client.SendAsync(request);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out var messages), $"{method} {path}: details do not name {field}: {error}");
        Assert.Contains("recognised", messages.ToString());
    }
}
