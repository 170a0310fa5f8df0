namespace Smackdab.Inventory.Tests.Integration.Auth;

/// <summary>/v1/oauth/clients: registered per organization, secret shown once and stored hashed, revocable, admin only.</summary>
public sealed class OAuthClientTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    [Fact]
    public async Task Created_client_shows_its_secret_once_and_records_its_last_use()
    {
        using var create = await fixture.Client.PostAsJsonAsync("/v1/oauth/clients", new
        {
            name = "Storefront",
            scopes = new[] { "inventory.products.read" },
            redirect_uris = new[] { "https://shop.example.com/cb", "http://localhost:3000/cb" },
        });
        var created = await Envelopes.SuccessAsync(create, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("client_", id);
        Assert.StartsWith("cs_live_", secret);
        Assert.Equal(secret[..12], created.GetProperty("secret_prefix").GetString());
        Assert.Equal($"/v1/oauth/clients/{id}", create.Headers.Location?.ToString());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("last_used_at").ValueKind);

        using var get = await fixture.Client.GetAsync($"/v1/oauth/clients/{id}");
        var fetched = await Envelopes.SuccessAsync(get);
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("secret").ValueKind);
        Assert.Equal(2, fetched.GetProperty("redirect_uris").GetArrayLength());

        using var list = await fixture.Client.GetAsync("/v1/oauth/clients");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.DoesNotContain(secret, items.ToString());
        Assert.Contains(id, items.ToString());

        await OAuthFlows.ClientCredentialsAsync(Api, new OAuthClientCredentials(id, secret, []));
        using var used = await fixture.Client.GetAsync($"/v1/oauth/clients/{id}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(used)).GetProperty("last_used_at").ValueKind);
    }

    [Fact]
    public async Task Revoked_client_can_no_longer_get_or_use_tokens()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var tokens = await OAuthFlows.AuthorizationCodeFlowAsync(Api, client, Tenant.AdminKey);

        using var revoke = await fixture.Client.DeleteAsync($"/v1/oauth/clients/{client.ClientId}");
        Assert.NotEqual(JsonValueKind.Null, (await Envelopes.SuccessAsync(revoke)).GetProperty("revoked_at").ValueKind);

        using var cc = await OAuthFlows.PostFormAsync(Api, "/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, client);
        await OAuthFlows.ReadOAuthErrorAsync(cc, HttpStatusCode.Unauthorized, "invalid_client");
        using var bearer = Tenant.BearerClient(Api, tokens.AccessToken);
        using var refused = await bearer.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");

        using var revokedList = await fixture.Client.GetAsync("/v1/oauth/clients?status=revoked");
        Assert.Contains(client.ClientId, (await Envelopes.ListAsync(revokedList)).Items.ToString());
        using var activeList = await fixture.Client.GetAsync("/v1/oauth/clients?status=active");
        Assert.DoesNotContain(client.ClientId, (await Envelopes.ListAsync(activeList)).Items.ToString());
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"scopes\":[]}", "scopes")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.everything\"]}", "scopes[0]")]
    [InlineData("{\"scopes\":[\"inventory.admin\"]}", "name")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.admin\"],\"redirect_uris\":[\"http://shop.example.com/cb\"]}", "redirect_uris[0]")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.admin\"],\"redirect_uris\":[\"https://shop.example.com/cb#frag\"]}", "redirect_uris[0]")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.admin\"],\"redirect_uris\":[\"/relative\"]}", "redirect_uris[0]")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"inventory.admin\"],\"branch_id\":\"branch_nope\"}", "branch_id")]
    public async Task Invalid_client_registration_is_refused(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await fixture.Client.PostAsync("/v1/oauth/clients", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Only_admins_manage_clients_and_other_organizations_see_none()
    {
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"]);
        var reader = await Tenant.CreateKeyAsync(Api, ["inventory.products.read", "inventory.products.write"]);
        using var readerClient = Tenant.Client(Api, reader);
        using var denied = await readerClient.GetAsync("/v1/oauth/clients");
        var error = await Envelopes.ErrorAsync(denied, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        Assert.Contains("inventory.admin", error.GetProperty("message").GetString());

        var other = await Tenant.CreateAsync(Api, "Other");
        using var otherClient = other.Client(Api);
        using var foreign = await otherClient.GetAsync($"/v1/oauth/clients/{client.ClientId}");
        await Envelopes.ErrorAsync(foreign, HttpStatusCode.NotFound, "NOT_FOUND");
        using var foreignDelete = await otherClient.DeleteAsync($"/v1/oauth/clients/{client.ClientId}");
        await Envelopes.ErrorAsync(foreignDelete, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await otherClient.GetAsync("/v1/oauth/clients");
        Assert.DoesNotContain(client.ClientId, (await Envelopes.ListAsync(list)).Items.ToString());

        // The client still works for its own organization.
        await OAuthFlows.ClientCredentialsAsync(Api, client);
    }

    [Fact]
    public async Task Branch_bound_admin_credentials_can_only_mint_credentials_for_their_own_branch()
    {
        using var branch = await fixture.Client.PostAsJsonAsync("/v1/branches", new { name = "South" });
        var south = (await Envelopes.SuccessAsync(branch, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var boundAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"], south);
        using var bound = Tenant.Client(Api, boundAdmin);

        using var unboundClient = await bound.PostAsJsonAsync("/v1/oauth/clients", new { name = "x", scopes = new[] { "inventory.products.read" } });
        var error = await Envelopes.ErrorAsync(unboundClient, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        Assert.True(error.GetProperty("details").TryGetProperty("branch_id", out _));
        using var unboundKey = await bound.PostAsJsonAsync("/v1/api-keys", new { name = "x", scopes = new[] { "inventory.products.read" } });
        await Envelopes.ErrorAsync(unboundKey, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        using var otherBranchKey = await bound.PostAsJsonAsync("/v1/api-keys", new { name = "x", scopes = new[] { "inventory.products.read" }, branch_id = Tenant.BranchId });
        await Envelopes.ErrorAsync(otherBranchKey, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var sameBranchClient = await bound.PostAsJsonAsync("/v1/oauth/clients", new { name = "x", scopes = new[] { "inventory.products.read" }, branch_id = south });
        Assert.Equal(south, (await Envelopes.SuccessAsync(sameBranchClient, HttpStatusCode.Created)).GetProperty("branch_id").GetString());
        using var sameBranchKey = await bound.PostAsJsonAsync("/v1/api-keys", new { name = "x", scopes = new[] { "inventory.products.read" }, branch_id = south });
        await Envelopes.SuccessAsync(sameBranchKey, HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_client_bound_to_one_branch_cannot_be_consented_by_a_key_bound_to_another()
    {
        using var b1 = await fixture.Client.PostAsJsonAsync("/v1/branches", new { name = "East" });
        var east = (await Envelopes.SuccessAsync(b1, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var client = await Tenant.CreateOAuthClientAsync(Api, ["inventory.products.read"], branchId: Tenant.BranchId);
        var eastAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"], east);
        var redirect = await OAuthFlows.AuthorizeAsync(Api, client, eastAdmin, OAuthFlows.ChallengeFor(OAuthFlows.NewCodeVerifier()));
        Assert.Equal("access_denied", redirect["error"]);
    }
}
