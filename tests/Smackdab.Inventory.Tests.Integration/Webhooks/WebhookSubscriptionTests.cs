using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Webhooks;

/// <summary>The subscription resource on the shared host, where private targets are refused (the production default).</summary>
public sealed class WebhookSubscriptionTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private const string Path = "/v1/webhooks/subscriptions";
    private const string PublicUrl = "https://93.184.216.34/webhooks/inventory";
    private readonly HttpClient _client = fixture.Client;

    private static object SpecBody(string url = PublicUrl) => new
    {
        url,
        events = new[] { "inventory.quantity.updated", "inventory.product.created", "inventory.product.updated", "inventory.allocation.created", "inventory.allocation.released" },
        filters = new { location_types = new[] { "retail", "warehouse" }, product_categories = new[] { "electronics", "accessories" } },
        retry_policy = new { max_attempts = 5, backoff_strategy = "exponential" },
    };

    private async Task<JsonElement> CreateAsync(HttpClient client, object? body = null)
    {
        using var response = await client.PostAsJsonAsync(Path, body ?? SpecBody());
        return await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Subscription_is_created_with_the_spec_response_and_the_secret_is_shown_once()
    {
        using var response = await _client.PostAsJsonAsync(Path, SpecBody());
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);

        var id = data.GetProperty("subscription_id").GetString()!;
        Assert.StartsWith("sub_", id);
        Assert.Equal("active", data.GetProperty("status").GetString());
        Assert.Equal(PublicUrl, data.GetProperty("webhook_url").GetString());
        Assert.True(data.GetProperty("created_at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
        var secret = data.GetProperty("secret_key").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.True(Convert.FromBase64String(secret[6..]).Length >= 24);
        Assert.Equal($"/v1/webhooks/subscriptions/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(["retail", "warehouse"], data.GetProperty("filters").GetProperty("location_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(5, data.GetProperty("retry_policy").GetProperty("max_attempts").GetInt32());

        using var get = await _client.GetAsync($"{Path}/{id}");
        var read = await Envelopes.SuccessAsync(get);
        Assert.False(read.TryGetProperty("secret_key", out var shown) && shown.ValueKind != JsonValueKind.Null);
        Assert.Equal(0, read.GetProperty("webhook_performance").GetProperty("failed_deliveries_24h").GetInt32());
        Assert.DoesNotContain(secret[6..], await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var list = await _client.GetAsync(Path);
        Assert.DoesNotContain(secret[6..], await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_secret_is_stored_encrypted_never_in_clear()
    {
        var data = await CreateAsync(_client);
        var secret = data.GetProperty("secret_key").GetString()!;

        await using var connection = new NpgsqlConnection(fixture.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT secret_ciphertext FROM webhook_subscriptions WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", data.GetProperty("subscription_id").GetString()!);
        var stored = (string)(await command.ExecuteScalarAsync())!;

        Assert.StartsWith("v1.", stored);
        Assert.DoesNotContain(secret[6..], stored, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Convert.FromBase64String(secret[6..])), stored, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_caller_chosen_secret_is_accepted_as_in_the_spec_example()
    {
        var data = await CreateAsync(_client, new
        {
            url = PublicUrl,
            events = new[] { "inventory.quantity.updated" },
            authentication = new { type = "hmac_sha256", secret = "webhook_secret_abc123" },
        });
        var secret = data.GetProperty("secret_key").GetString()!;
        Assert.Equal("webhook_secret_abc123", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret[6..])));
    }

    [Fact]
    public async Task Subscriptions_are_listed_with_pagination_and_filtered_by_status()
    {
        var api = fixture.Api;
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        var first = (await CreateAsync(client)).GetProperty("subscription_id").GetString();
        var second = (await CreateAsync(client)).GetProperty("subscription_id").GetString();
        using (var pause = await client.PatchAsJsonAsync($"{Path}/{second}", new { status = "paused" }))
        {
            await Envelopes.SuccessAsync(pause);
        }

        using var page = await client.GetAsync($"{Path}?pageSize=1&sort=created_at");
        var (items, pagination) = await Envelopes.ListAsync(page);
        Assert.Equal(first, items[0].GetProperty("subscription_id").GetString());
        Assert.Equal(2, pagination.GetProperty("total").GetInt32());
        Assert.True(pagination.GetProperty("hasMore").GetBoolean());

        using var paused = await client.GetAsync($"{Path}?status=paused");
        var (pausedItems, _) = await Envelopes.ListAsync(paused);
        Assert.Equal([second], pausedItems.EnumerateArray().Select(i => i.GetProperty("subscription_id").GetString()));
    }

    [Fact]
    public async Task Subscription_is_paused_resumed_changed_and_deleted()
    {
        var id = (await CreateAsync(_client)).GetProperty("subscription_id").GetString();

        using var pause = await _client.PatchAsJsonAsync($"{Path}/{id}", new { status = "paused" });
        Assert.Equal("paused", (await Envelopes.SuccessAsync(pause)).GetProperty("status").GetString());

        using var change = await _client.PatchAsJsonAsync($"{Path}/{id}", new
        {
            status = "active",
            events = new[] { "inventory.product.*" },
            url = "https://93.184.216.35/other",
            retry_policy = new { max_attempts = 8 },
        });
        var changed = await Envelopes.SuccessAsync(change);
        Assert.Equal("active", changed.GetProperty("status").GetString());
        Assert.Equal(["inventory.product.*"], changed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("https://93.184.216.35/other", changed.GetProperty("webhook_url").GetString());
        Assert.Equal(8, changed.GetProperty("retry_policy").GetProperty("max_attempts").GetInt32());
        Assert.Equal("exponential", changed.GetProperty("retry_policy").GetProperty("backoff_strategy").GetString());
        Assert.Equal(3, changed.GetProperty("version").GetInt32());

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"{Path}/{id}") { Content = JsonContent.Create(new { status = "paused" }) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"version-1\"");
        using var conflict = await _client.SendAsync(stale);
        await Envelopes.ErrorAsync(conflict, HttpStatusCode.Conflict, "CONFLICT");

        using var delete = await _client.DeleteAsync($"{Path}/{id}");
        Assert.True((await Envelopes.SuccessAsync(delete)).GetProperty("deleted").GetBoolean());
        using var gone = await _client.GetAsync($"{Path}/{id}");
        await Envelopes.ErrorAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Rotating_the_secret_returns_a_new_one_and_keeps_the_previous_for_the_overlap()
    {
        var created = await CreateAsync(_client);
        var id = created.GetProperty("subscription_id").GetString();

        using var rotate = await _client.PostAsync($"{Path}/{id}/rotate-secret", null);
        var rotated = await Envelopes.SuccessAsync(rotate);
        Assert.StartsWith("whsec_", rotated.GetProperty("secret_key").GetString());
        Assert.NotEqual(created.GetProperty("secret_key").GetString(), rotated.GetProperty("secret_key").GetString());
        var until = rotated.GetProperty("previous_secret_expires_at").GetDateTime();
        Assert.InRange(until, DateTime.UtcNow.AddHours(23), DateTime.UtcNow.AddHours(25));

        using var immediate = await _client.PostAsJsonAsync($"{Path}/{id}/rotate-secret", new { overlap_hours = 0 });
        var noOverlap = await Envelopes.SuccessAsync(immediate);
        Assert.False(noOverlap.TryGetProperty("previous_secret_expires_at", out var expires) && expires.ValueKind != JsonValueKind.Null);

        using var tooLong = await _client.PostAsJsonAsync($"{Path}/{id}/rotate-secret", new { overlap_hours = 10000 });
        var error = await Envelopes.ErrorAsync(tooLong, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("overlap_hours", out _), error.ToString());
    }

    [Theory]
    [InlineData("""{"url":"http://93.184.216.34/hook","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://127.0.0.1/hook","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://10.0.0.8/hook","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://169.254.169.254/latest/meta-data","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://[::1]/hook","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://localhost/hook","events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"events":["inventory.product.created"]}""", "url")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":[]}""", "events")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["inventory.nothing"]}""", "events[0]")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"filters":{"location_types":["moon"]}}""", "filters.location_types[0]")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"retry_policy":{"max_attempts":0}}""", "retry_policy.max_attempts")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"retry_policy":{"backoff_strategy":"random"}}""", "retry_policy.backoff_strategy")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"authentication":{"type":"basic"}}""", "authentication.type")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"authentication":{"secret":"short"}}""", "authentication.secret")]
    [InlineData("""{"url":"https://93.184.216.34/hook","events":["*"],"secret_key":"whsec_mine"}""", "secret_key")]
    public async Task Invalid_subscription_is_refused_with_details_keyed_by_field_path(string body, string field)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync(Path, content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task A_private_target_is_refused_on_update_too()
    {
        var id = (await CreateAsync(_client)).GetProperty("subscription_id").GetString();
        using var response = await _client.PatchAsJsonAsync($"{Path}/{id}", new { url = "https://192.168.1.10/hook" });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("url", out _));
    }

    [Fact]
    public async Task Another_organization_cannot_see_change_rotate_or_delete_a_subscription()
    {
        var api = fixture.Api;
        var owner = await Tenant.CreateAsync(api, "Webhook owner");
        var other = await Tenant.CreateAsync(api, "Webhook other");
        using var ownerClient = owner.Client(api);
        using var otherClient = other.Client(api);
        var id = (await CreateAsync(ownerClient)).GetProperty("subscription_id").GetString();

        using (var get = await otherClient.GetAsync($"{Path}/{id}"))
        {
            await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var patch = await otherClient.PatchAsJsonAsync($"{Path}/{id}", new { status = "paused" }))
        {
            await Envelopes.ErrorAsync(patch, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var rotate = await otherClient.PostAsync($"{Path}/{id}/rotate-secret", null))
        {
            await Envelopes.ErrorAsync(rotate, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var deliveries = await otherClient.GetAsync($"{Path}/{id}/deliveries"))
        {
            await Envelopes.ErrorAsync(deliveries, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var delete = await otherClient.DeleteAsync($"{Path}/{id}"))
        {
            await Envelopes.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var list = await otherClient.GetAsync(Path))
        {
            var (items, _) = await Envelopes.ListAsync(list);
            Assert.Equal(0, items.GetArrayLength());
        }

        using var still = await ownerClient.GetAsync($"{Path}/{id}");
        Assert.Equal("active", (await Envelopes.SuccessAsync(still)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_subscription_made_in_branch_isolated_mode_belongs_to_that_branch()
    {
        var api = fixture.Api;
        var tenant = await Tenant.CreateAsync(api);
        using var shared = tenant.Client(api);
        using var branchResponse = await shared.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        using var isolatedDefault = tenant.Client(api, branchId: tenant.BranchId, inventoryMode: "branch_isolated");
        using var isolatedNorth = tenant.Client(api, branchId: north, inventoryMode: "branch_isolated");
        var created = await CreateAsync(isolatedDefault);
        var id = created.GetProperty("subscription_id").GetString();
        Assert.Equal(tenant.BranchId, created.GetProperty("branch_id").GetString());

        using (var fromNorth = await isolatedNorth.GetAsync($"{Path}/{id}"))
        {
            await Envelopes.ErrorAsync(fromNorth, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using (var northList = await isolatedNorth.GetAsync(Path))
        {
            Assert.Equal(0, (await Envelopes.ListAsync(northList)).Items.GetArrayLength());
        }

        using var fromShared = await shared.GetAsync($"{Path}/{id}");
        await Envelopes.SuccessAsync(fromShared);
    }
}
