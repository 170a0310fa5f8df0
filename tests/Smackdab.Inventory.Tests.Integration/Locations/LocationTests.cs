namespace Smackdab.Inventory.Tests.Integration.Locations;

public sealed class LocationTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/locations", body);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Location_is_created_in_the_default_branch_with_its_address()
    {
        var data = await CreateAsync(_client, new
        {
            name = "Main Warehouse",
            code = "WH-1",
            type = "warehouse",
            location_group = "warehouse",
            address = new { line1 = "1 Dock Road", city = "Springfield", country = "US" },
        });

        Assert.StartsWith("loc_", data.GetProperty("id").GetString());
        Assert.Equal(fixture.Tenant.BranchId, data.GetProperty("branch_id").GetString());
        Assert.Equal("Springfield", data.GetProperty("address").GetProperty("city").GetString());
        Assert.Equal(1, data.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Location_can_be_read_updated_patched_and_deleted()
    {
        var id = (await CreateAsync(_client, new { name = "Store", type = "retail" })).GetProperty("id").GetString();

        using var viaInventory = await _client.GetAsync($"/v1/inventory/locations/{id}");
        Assert.Equal("Store", (await Envelopes.SuccessAsync(viaInventory)).GetProperty("name").GetString());

        using var put = await _client.PutAsJsonAsync($"/v1/locations/{id}", new { name = "Store 2", type = "store", location_group = "retail" });
        var updated = await Envelopes.SuccessAsync(put);
        Assert.Equal("store", updated.GetProperty("type").GetString());
        Assert.Equal(2, updated.GetProperty("version").GetInt32());

        using var patch = await _client.PatchAsJsonAsync($"/v1/locations/{id}", new { address = new { city = "Shelbyville" } });
        var patched = await Envelopes.SuccessAsync(patch);
        Assert.Equal("Store 2", patched.GetProperty("name").GetString());
        Assert.Equal("Shelbyville", patched.GetProperty("address").GetProperty("city").GetString());

        using var delete = await _client.DeleteAsync($"/v1/locations/{id}");
        await Envelopes.SuccessAsync(delete);
        using var gone = await _client.GetAsync($"/v1/locations/{id}");
        await Envelopes.ErrorAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("{\"type\":\"warehouse\"}", "name")]
    [InlineData("{\"name\":\"x\",\"type\":\"spaceport\"}", "type")]
    [InlineData("{\"name\":\"x\",\"branch_id\":\"branch_nope\"}", "branch_id")]
    [InlineData("{\"name\":\"x\",\"address\":{\"country\":\"USA\"}}", "address.country")]
    [InlineData("{\"name\":\"x\",\"address\":\"1 Dock Road\"}", "address")]
    public async Task Invalid_location_is_refused_with_details_keyed_by_field_path(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/v1/locations", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Inventory_locations_lists_the_same_locations_with_pagination()
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        await CreateAsync(client, new { name = "A", type = "warehouse" });
        await CreateAsync(client, new { name = "B", type = "retail" });

        using var response = await client.GetAsync("/v1/inventory/locations?sort=name");
        var (items, pagination) = await Envelopes.ListAsync(response);
        Assert.Equal(["A", "B"], items.EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList());
        Assert.Equal(2, pagination.GetProperty("total").GetInt32());

        using var filtered = await client.GetAsync("/v1/locations?filters[type]=retail");
        (items, _) = await Envelopes.ListAsync(filtered);
        Assert.Equal(["B"], items.EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList());
    }

    [Fact]
    public async Task Branch_isolated_mode_sees_and_writes_only_its_branch()
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        using var admin = tenant.Client(api);
        using var branchResponse = await admin.PostAsJsonAsync("/v1/branches", new { name = "East" });
        var east = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var mainLocation = (await CreateAsync(admin, new { name = "Main WH" })).GetProperty("id").GetString();
        var eastLocation = (await CreateAsync(admin, new { name = "East WH", branch_id = east })).GetProperty("id").GetString();

        using var isolated = tenant.Client(api, branchId: east, inventoryMode: "branch_isolated");
        using var list = await isolated.GetAsync("/v1/locations");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.Equal([eastLocation], items.EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList());

        using var foreignRead = await isolated.GetAsync($"/v1/locations/{mainLocation}");
        await Envelopes.ErrorAsync(foreignRead, HttpStatusCode.NotFound, "NOT_FOUND");

        using var foreignWrite = await isolated.PatchAsJsonAsync($"/v1/locations/{mainLocation}", new { name = "hijacked" });
        await Envelopes.ErrorAsync(foreignWrite, HttpStatusCode.NotFound, "NOT_FOUND");

        using var createElsewhere = await isolated.PostAsJsonAsync("/v1/locations", new { name = "Sneaky", branch_id = tenant.BranchId });
        await Envelopes.ErrorAsync(createElsewhere, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var shared = tenant.Client(api, branchId: east);
        using var sharedList = await shared.GetAsync("/v1/locations");
        (items, _) = await Envelopes.ListAsync(sharedList);
        Assert.Equal(2, items.GetArrayLength());
    }

    [Fact]
    public async Task Unknown_branch_header_and_unknown_mode_are_refused()
    {
        var api = fixture.Api;
        using var unknownBranch = fixture.Tenant.Client(api, branchId: "branch_doesnotexist");
        using var r1 = await unknownBranch.GetAsync("/v1/locations");
        await Envelopes.ErrorAsync(r1, HttpStatusCode.BadRequest, "INVALID_HEADER");

        using var badMode = fixture.Tenant.Client(api, inventoryMode: "everything");
        using var r2 = await badMode.GetAsync("/v1/locations");
        await Envelopes.ErrorAsync(r2, HttpStatusCode.BadRequest, "INVALID_HEADER");
    }
}
