using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Hardening;

/// <summary>
/// Issue 8 row 5: an Idempotency-Key is scoped to the credential that sent it and to the branch and mode headers, and a secret
/// shown once is never stored nor replayed (docs/guarantees.md, "Idempotency").
/// </summary>
public sealed class IdempotencyScopeTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private ApiFactory Api => fixture.Api;

    private Tenant Tenant => fixture.Tenant;

    private static string NewKey() => "scope_" + Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData("/v1/api-keys")]
    [InlineData("/v1/oauth/clients")]
    public async Task A_retried_credential_creation_replays_the_resource_without_its_secret_and_the_secret_is_never_stored(string path)
    {
        var key = NewKey();
        var body = new { name = "retried " + key, scopes = new[] { "inventory.products.read" } };

        using var first = await SendAsync(Tenant.Client(Api, autoIdempotencyKey: false), HttpMethod.Post, path, body, key);
        var created = await Envelopes.SuccessAsync(first, HttpStatusCode.Created);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.False(string.IsNullOrEmpty(secret));

        using var retry = await SendAsync(Tenant.Client(Api, autoIdempotencyKey: false), HttpMethod.Post, path, body, key);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        var text = await retry.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, text);
        using var replay = JsonDocument.Parse(text);
        var data = replay.RootElement.GetProperty("data");
        Assert.Equal(created.GetProperty("id").GetString(), data.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("secret").ValueKind);
        var meta = replay.RootElement.GetProperty("meta");
        Assert.True(meta.GetProperty("idempotent").GetBoolean());
        Assert.Equal("data.secret", meta.GetProperty("redacted_fields")[0].GetString());

        // Not in clear, not anywhere in the idempotency table.
        Assert.Equal(0, await CountStoredBodiesContainingAsync(secret));
        Assert.Equal(1, await CountStoredBodiesContainingAsync(created.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task The_same_key_and_body_from_another_credential_is_that_credentials_own_request_never_a_replay()
    {
        using var branch = await Tenant.Client(Api).PostAsJsonAsync("/v1/branches", new { name = "South " + Guid.NewGuid().ToString("N")[..6] });
        var south = (await Envelopes.SuccessAsync(branch, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var southAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"], south);
        var key = NewKey();
        var body = new { name = "organization admin " + key, scopes = new[] { "inventory.admin" } };

        using var organizationWide = await SendAsync(Tenant.Client(Api, autoIdempotencyKey: false), HttpMethod.Post, "/v1/api-keys", body, key);
        var secret = (await Envelopes.SuccessAsync(organizationWide, HttpStatusCode.Created)).GetProperty("secret").GetString()!;

        // The branch-bound admin sends the very same key and body: it is judged as its own request (and refused: a bound
        // credential cannot mint an organization-wide key), never answered with the first one.
        using var bound = await SendAsync(Tenant.Client(Api, southAdmin, autoIdempotencyKey: false), HttpMethod.Post, "/v1/api-keys", body, key);
        Assert.False(bound.Headers.Contains("Idempotent-Replayed"));
        Assert.DoesNotContain(secret, await bound.Content.ReadAsStringAsync());
        await Envelopes.ErrorAsync(bound, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        // Another unbound admin key with the same key and a harmless body creates its own product: one per credential.
        var otherAdmin = await Tenant.CreateKeyAsync(Api, ["inventory.admin"]);
        var product = new { sku = "SKU-" + Guid.NewGuid().ToString("N")[..10], name = "Per credential" };
        using var mine = await SendAsync(Tenant.Client(Api, autoIdempotencyKey: false), HttpMethod.Post, "/v1/products", product, key);
        var mineId = (await Envelopes.SuccessAsync(mine, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var theirs = await SendAsync(Tenant.Client(Api, otherAdmin, autoIdempotencyKey: false), HttpMethod.Post, "/v1/products", product, key);
        Assert.False(theirs.Headers.Contains("Idempotent-Replayed"));
        var error = await Envelopes.ErrorAsync(theirs, HttpStatusCode.Conflict, "CONFLICT");
        Assert.DoesNotContain(mineId!, error.ToString());
    }

    [Theory]
    [InlineData("X-Branch-ID", null)]
    [InlineData("X-Inventory-Mode", "branch_isolated")]
    public async Task The_same_key_and_body_with_another_branch_or_inventory_mode_is_refused_as_key_reuse(string header, string? value)
    {
        var key = NewKey();
        var product = new { sku = "SKU-" + Guid.NewGuid().ToString("N")[..10], name = "Headers matter" };
        using var first = await SendAsync(Tenant.Client(Api, autoIdempotencyKey: false), HttpMethod.Post, "/v1/products", product, key);
        await Envelopes.SuccessAsync(first, HttpStatusCode.Created);

        using var client = Tenant.Client(Api, autoIdempotencyKey: false);
        client.DefaultRequestHeaders.Add(header, value ?? Tenant.BranchId);
        using var other = await SendAsync(client, HttpMethod.Post, "/v1/products", product, key);
        await Envelopes.ErrorAsync(other, (HttpStatusCode)422, "IDEMPOTENCY_KEY_REUSED");
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object body, string key)
    {
        using (client)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            var response = await client.SendAsync(request);
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
    }

    private async Task<long> CountStoredBodiesContainingAsync(string text)
    {
        await using var connection = new NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM idempotency_records WHERE organization_id = $1 AND strpos(response_body, $2) > 0", connection);
        command.Parameters.AddWithValue(Tenant.OrganizationId);
        command.Parameters.AddWithValue(text);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
