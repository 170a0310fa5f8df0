namespace Smackdab.Inventory.Tests.Integration.ApiKeys;

public sealed class ApiKeyTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    [Fact]
    public async Task Created_key_shows_its_secret_once_and_works()
    {
        using var create = await fixture.Client.PostAsJsonAsync("/v1/api-keys", new { name = "ERP", scopes = new[] { "inventory.products.read" } });
        var key = await Envelopes.SuccessAsync(create, HttpStatusCode.Created);
        var secret = key.GetProperty("secret").GetString()!;
        Assert.StartsWith("sk_live_", secret);
        Assert.StartsWith("key_", key.GetProperty("id").GetString());

        using var get = await fixture.Client.GetAsync($"/v1/api-keys/{key.GetProperty("id").GetString()}");
        var fetched = await Envelopes.SuccessAsync(get);
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("secret").ValueKind);

        using var list = await fixture.Client.GetAsync("/v1/api-keys");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.DoesNotContain(secret, items.ToString());

        using var client = fixture.Tenant.Client(fixture.Api, secret);
        using var products = await client.GetAsync("/v1/products");
        await Envelopes.ListAsync(products);
    }

    [Fact]
    public async Task Revoked_key_stops_working_at_once()
    {
        using var create = await fixture.Client.PostAsJsonAsync("/v1/api-keys", new { name = "temp", scopes = new[] { "inventory.products.read" } });
        var key = await Envelopes.SuccessAsync(create, HttpStatusCode.Created);
        using var client = fixture.Tenant.Client(fixture.Api, key.GetProperty("secret").GetString());
        using var before = await client.GetAsync("/v1/products");
        await Envelopes.ListAsync(before);

        using var revoke = await fixture.Client.DeleteAsync($"/v1/api-keys/{key.GetProperty("id").GetString()}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(revoke)).GetProperty("revoked_at").ValueKind);

        using var after = await client.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(after, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task Key_without_the_scope_is_denied_naming_the_scope()
    {
        var secret = await fixture.Tenant.CreateKeyAsync(fixture.Api, ["inventory.products.read"]);
        using var client = fixture.Tenant.Client(fixture.Api, secret);

        using var write = await client.PostAsJsonAsync("/v1/products", new { sku = "NOPE-1", name = "Nope" });
        var error = await Envelopes.ErrorAsync(write, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        Assert.Contains("inventory.products.write", error.GetProperty("message").GetString());

        using var admin = await client.GetAsync("/v1/api-keys");
        await Envelopes.ErrorAsync(admin, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.everything\"]}", "scopes[0]")]
    [InlineData("{\"name\":\"x\",\"scopes\":[]}", "scopes")]
    [InlineData("{\"scopes\":[\"inventory.admin\"]}", "name")]
    [InlineData("{\"name\":\"x\",\"scopes\":\"inventory.admin\"}", "scopes")]
    public async Task Invalid_key_request_is_refused(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await fixture.Client.PostAsync("/v1/api-keys", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Branch_bound_key_cannot_act_on_another_branch()
    {
        using var branch = await fixture.Client.PostAsJsonAsync("/v1/branches", new { name = "West" });
        var west = (await Envelopes.SuccessAsync(branch, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var secret = await fixture.Tenant.CreateKeyAsync(fixture.Api, ["inventory.products.read"], west);

        using var wrongBranch = fixture.Tenant.Client(fixture.Api, secret, branchId: fixture.Tenant.BranchId);
        using var denied = await wrongBranch.GetAsync("/v1/locations");
        await Envelopes.ErrorAsync(denied, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var ownBranch = fixture.Tenant.Client(fixture.Api, secret);
        using var allowed = await ownBranch.GetAsync("/v1/locations");
        await Envelopes.ListAsync(allowed);
    }
}

public sealed class OrganizationProvisioningTests
{
    [Fact]
    public async Task Platform_key_provisions_an_organization_with_branch_and_admin_key()
    {
        var api = await SharedApi.GetAsync();
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", api.PlatformKey);
        using var response = await client.PostAsJsonAsync("/v1/organizations", new { name = "Sandbox" });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        Assert.StartsWith("org_", data.GetProperty("id").GetString());
        Assert.StartsWith("branch_", data.GetProperty("branch_id").GetString());
        Assert.StartsWith("sk_live_", data.GetProperty("api_key").GetProperty("secret").GetString());
        Assert.Equal(["inventory.admin"], data.GetProperty("api_key").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ToList());
    }

    [Fact]
    public async Task Organization_admin_key_cannot_provision_organizations()
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        using var response = await client.PostAsJsonAsync("/v1/organizations", new { name = "Nope" });
        await Envelopes.ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var anonymous = api.CreateClient();
        using var noKey = await anonymous.PostAsJsonAsync("/v1/organizations", new { name = "Nope" });
        await Envelopes.ErrorAsync(noKey, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task Without_a_configured_platform_key_the_endpoint_does_not_exist()
    {
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Platform:ApiKey"] = "" });
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", api.PlatformKey);
        using var response = await client.PostAsJsonAsync("/v1/organizations", new { name = "Nope" });
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Organization_without_name_is_refused()
    {
        var api = await SharedApi.GetAsync();
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", api.PlatformKey);
        using var response = await client.PostAsJsonAsync("/v1/organizations", new { name = "" });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("name", out _));
    }
}
