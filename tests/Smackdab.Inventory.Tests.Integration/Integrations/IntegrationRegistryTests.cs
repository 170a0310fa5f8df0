using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

public sealed class IntegrationRegistryTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private const string ClientSecret = "qb_secret_SHOULD_NEVER_LEAK_7731";
    private const string RefreshToken = "rt_SHOULD_NEVER_LEAK_abc123def456";

    private readonly HttpClient _client = fixture.Client;

    private static object QuickBooks(string name = "QuickBooks") => new
    {
        name,
        type = "accounting",
        provider = "quickbooks",
        base_url = "https://quickbooks.api.example.com/v3/company/123",
        authentication = new
        {
            type = "oauth2",
            token_url = "https://oauth.example.com/oauth2/v1/tokens/bearer",
            client_id = "qb_client_789",
            client_secret = ClientSecret,
            refresh_token = RefreshToken,
        },
    };

    private async Task<JsonElement> CreateAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/integrations", body);
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Integration_is_registered_with_the_specs_retry_and_breaker_defaults_and_no_secret_is_returned()
    {
        using var response = await _client.PostAsJsonAsync("/v1/integrations", QuickBooks("QuickBooks defaults"));
        var text = await response.Content.ReadAsStringAsync();
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        Assert.StartsWith("int_", data.GetProperty("id").GetString());
        Assert.Equal($"/v1/integrations/{data.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        Assert.DoesNotContain(ClientSecret, text);
        Assert.DoesNotContain(RefreshToken, text);
        var auth = data.GetProperty("authentication");
        Assert.Equal("oauth2", auth.GetProperty("type").GetString());
        Assert.Equal(
            ["token_url", "client_id", "client_secret", "refresh_token"],
            auth.GetProperty("configured_fields").EnumerateArray().Select(f => f.GetString()).ToList());

        var retry = data.GetProperty("retry_policy");
        Assert.Equal("exponential", retry.GetProperty("strategy").GetString());
        Assert.Equal(5, retry.GetProperty("max_attempts").GetInt32());
        Assert.Equal(1000, retry.GetProperty("base_delay_ms").GetInt32());
        Assert.Equal(30000, retry.GetProperty("max_delay_ms").GetInt32());
        Assert.Equal(2.0, retry.GetProperty("backoff_multiplier").GetDouble());
        Assert.True(retry.GetProperty("jitter").GetBoolean());
        Assert.Equal(["NETWORK_ERROR", "TIMEOUT", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR"], retry.GetProperty("retryable_errors").EnumerateArray().Select(e => e.GetString()).ToList());
        Assert.Equal(["AUTHENTICATION_FAILED", "VALIDATION_FAILED", "NOT_FOUND", "PERMISSION_DENIED"], retry.GetProperty("non_retryable_errors").EnumerateArray().Select(e => e.GetString()).ToList());

        var breaker = data.GetProperty("circuit_breaker");
        Assert.Equal(5, breaker.GetProperty("failure_threshold").GetInt32());
        Assert.Equal(0.5, breaker.GetProperty("failure_rate_threshold").GetDouble());
        Assert.Equal(60000, breaker.GetProperty("timeout_ms").GetInt32());
        Assert.Equal(3, breaker.GetProperty("half_open_max_calls").GetInt32());
        Assert.Equal(2, breaker.GetProperty("half_open_success_threshold").GetInt32());
        Assert.Equal(300000, breaker.GetProperty("monitoring_window_ms").GetInt32());
    }

    [Fact]
    public async Task Credentials_are_encrypted_at_rest()
    {
        var id = (await CreateAsync(_client, QuickBooks("QuickBooks at rest"))).GetProperty("id").GetString()!;

        await using var connection = new NpgsqlConnection(fixture.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT row_to_json(i)::text, credentials_ciphertext FROM integrations i WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var row = reader.GetString(0);
        var ciphertext = (byte[])reader[1];
        Assert.DoesNotContain(ClientSecret, row);
        Assert.DoesNotContain(RefreshToken, row);
        Assert.DoesNotContain("qb_client_789", row);
        Assert.True(ciphertext.Length > 1 + 12 + 16);
        Assert.DoesNotContain(ClientSecret, System.Text.Encoding.UTF8.GetString(ciphertext));
    }

    [Theory]
    [InlineData("{\"type\":\"erp\",\"base_url\":\"https://sap.example.com\"}", "name")]
    [InlineData("{\"name\":\"x\",\"type\":\"crm\",\"base_url\":\"https://sap.example.com\"}", "type")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"http://sap.example.com\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://127.0.0.1:8443/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://localhost/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://10.1.2.3/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://169.254.169.254/latest\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://[::1]/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://[::ffff:10.0.0.1]/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://[64:ff9b::7f00:1]/api\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com/api#frag\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://user:pw@sap.example.com\"}", "base_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"retry_policy\":{\"strategy\":\"fibonacci\"}}", "retry_policy.strategy")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"retry_policy\":{\"max_attempts\":0}}", "retry_policy.max_attempts")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"retry_policy\":{\"base_delay_ms\":5000,\"max_delay_ms\":1000}}", "retry_policy.max_delay_ms")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"retry_policy\":{\"retryable_errors\":[\"TEAPOT\"]}}", "retry_policy.retryable_errors[0]")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"retry_policy\":{\"retryable_errors\":[\"TIMEOUT\"],\"non_retryable_errors\":[\"TIMEOUT\"]}}", "retry_policy.non_retryable_errors")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"circuit_breaker\":{\"failure_rate_threshold\":1.5}}", "circuit_breaker.failure_rate_threshold")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"circuit_breaker\":{\"half_open_max_calls\":2,\"half_open_success_threshold\":3}}", "circuit_breaker.half_open_success_threshold")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"authentication\":{\"type\":\"oauth2\",\"client_id\":\"c\",\"client_secret\":\"s\"}}", "authentication.token_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"authentication\":{\"type\":\"oauth2\",\"token_url\":\"https://192.168.1.1/token\",\"client_id\":\"c\",\"client_secret\":\"s\"}}", "authentication.token_url")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"authentication\":{\"type\":\"api_key\"}}", "authentication.api_key")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"events\":[\"Not An Event\"]}", "events[0]")]
    [InlineData("{\"name\":\"x\",\"type\":\"erp\",\"base_url\":\"https://sap.example.com\",\"secret_field\":1}", "secret_field")]
    public async Task Invalid_integration_is_refused_with_details_keyed_by_field_path(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/v1/integrations", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Retry_strategy_without_a_base_delay_takes_the_specs_base_for_that_strategy()
    {
        var linear = await CreateAsync(_client, new { name = "Linear WMS", type = "wms", base_url = "https://wms.example.com", retry_policy = new { strategy = "linear", jitter = false } });
        Assert.Equal(2000, linear.GetProperty("retry_policy").GetProperty("base_delay_ms").GetInt32());
        var fixedInterval = await CreateAsync(_client, new { name = "Fixed WMS", type = "wms", base_url = "https://wms.example.com", retry_policy = new { strategy = "fixed" } });
        Assert.Equal(5000, fixedInterval.GetProperty("retry_policy").GetProperty("base_delay_ms").GetInt32());
    }

    [Fact]
    public async Task Integration_can_be_read_patched_and_deleted_and_patching_keeps_credentials()
    {
        var created = await CreateAsync(_client, QuickBooks("QuickBooks lifecycle"));
        var id = created.GetProperty("id").GetString();

        using var get = await _client.GetAsync($"/v1/integrations/{id}");
        Assert.Equal("QuickBooks lifecycle", (await Envelopes.SuccessAsync(get)).GetProperty("name").GetString());
        Assert.Equal("\"version-1\"", get.Headers.ETag?.ToString());

        using var patch = await _client.PatchAsJsonAsync($"/v1/integrations/{id}", new { name = "QuickBooks Online", retry_policy = new { strategy = "fixed", base_delay_ms = 5000 } });
        var patched = await Envelopes.SuccessAsync(patch);
        Assert.Equal("QuickBooks Online", patched.GetProperty("name").GetString());
        Assert.Equal("fixed", patched.GetProperty("retry_policy").GetProperty("strategy").GetString());
        Assert.Equal(2, patched.GetProperty("version").GetInt32());
        Assert.Equal(4, patched.GetProperty("authentication").GetProperty("configured_fields").GetArrayLength());

        using var rekey = await _client.PatchAsJsonAsync($"/v1/integrations/{id}", new { authentication = new { type = "api_key", api_key = "sk_live_SHOULD_NOT_LEAK" } });
        var rekeyText = await rekey.Content.ReadAsStringAsync();
        var rekeyed = await Envelopes.SuccessAsync(rekey);
        Assert.DoesNotContain("sk_live_SHOULD_NOT_LEAK", rekeyText);
        Assert.Equal("api_key", rekeyed.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal(["api_key"], rekeyed.GetProperty("authentication").GetProperty("configured_fields").EnumerateArray().Select(f => f.GetString()).ToList());

        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/v1/integrations/{id}");
        stale.Headers.TryAddWithoutValidation("If-Match", "\"version-1\"");
        using var staleResponse = await _client.SendAsync(stale);
        await Envelopes.ErrorAsync(staleResponse, HttpStatusCode.Conflict, "CONFLICT");

        using var delete = await _client.DeleteAsync($"/v1/integrations/{id}");
        await Envelopes.SuccessAsync(delete);
        using var gone = await _client.GetAsync($"/v1/integrations/{id}");
        await Envelopes.ErrorAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Duplicate_name_is_a_conflict()
    {
        await CreateAsync(_client, QuickBooks("Duplicate QB"));
        using var again = await _client.PostAsJsonAsync("/v1/integrations", QuickBooks("Duplicate QB"));
        var error = await Envelopes.ErrorAsync(again, HttpStatusCode.Conflict, "CONFLICT");
        Assert.True(error.GetProperty("details").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task List_is_paginated_and_filtered()
    {
        var api = fixture.Api;
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        await CreateAsync(client, new { name = "SAP", type = "erp", base_url = "https://sap.example.com" });
        await CreateAsync(client, new { name = "Shopify", type = "ecommerce", base_url = "https://shop.example.com" });
        await CreateAsync(client, new { name = "WMS", type = "wms", base_url = "https://wms.example.com" });

        using var first = await client.GetAsync("/v1/integrations?sort=name&page_size=2");
        var (items, pagination) = await Envelopes.ListAsync(first);
        Assert.Equal(["SAP", "Shopify"], items.EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList());
        Assert.Equal(3, pagination.GetProperty("total").GetInt32());
        Assert.True(pagination.GetProperty("hasMore").GetBoolean());

        using var second = await client.GetAsync("/v1/integrations?sort=name&page_size=2&page=2");
        (items, _) = await Envelopes.ListAsync(second);
        Assert.Equal(["WMS"], items.EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList());

        using var filtered = await client.GetAsync("/v1/integrations?filters[type]=ecommerce");
        (items, _) = await Envelopes.ListAsync(filtered);
        Assert.Equal(["Shopify"], items.EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList());
    }

    [Fact]
    public async Task Another_organization_cannot_see_or_change_an_integration()
    {
        var id = (await CreateAsync(_client, QuickBooks("QuickBooks private"))).GetProperty("id").GetString();
        var other = await Tenant.CreateAsync(fixture.Api, "Other org");
        using var otherClient = other.Client(fixture.Api);

        using var get = await otherClient.GetAsync($"/v1/integrations/{id}");
        await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        using var patch = await otherClient.PatchAsJsonAsync($"/v1/integrations/{id}", new { name = "hijacked" });
        await Envelopes.ErrorAsync(patch, HttpStatusCode.NotFound, "NOT_FOUND");
        using var delete = await otherClient.DeleteAsync($"/v1/integrations/{id}");
        await Envelopes.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await otherClient.GetAsync("/v1/integrations");
        var (items, _) = await Envelopes.ListAsync(list);
        Assert.Equal(0, items.GetArrayLength());

        using var stillThere = await _client.GetAsync($"/v1/integrations/{id}");
        Assert.Equal("QuickBooks private", (await Envelopes.SuccessAsync(stillThere)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Id_routes_only_match_integration_ids()
    {
        using var response = await _client.GetAsync("/v1/integrations/erp");
        await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
