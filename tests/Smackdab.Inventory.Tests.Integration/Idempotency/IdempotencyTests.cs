using System.Text;

namespace Smackdab.Inventory.Tests.Integration.Idempotency;

public sealed class IdempotencyTests(TenantFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TenantFixture>
{
    private readonly HttpClient _client = fixture.Client;

    private static string NewKey() => "idem_" + Guid.NewGuid().ToString("N");

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json, string? key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return (client ?? _client).SendAsync(request);
    }

    private static string Product(string sku, string name = "Widget") => JsonSerializer.Serialize(new { sku, name, price = new { amount = 10.5m, currency = "USD" } });

    private async Task<int> CountProductsAsync(string sku)
    {
        using var list = await _client.GetAsync($"/v1/products?q={sku}");
        return (await Envelopes.ListAsync(list)).Items.EnumerateArray().Count(p => p.GetProperty("sku").GetString() == sku);
    }

    [Fact]
    public async Task Replay_returns_the_stored_response_with_200_already_exists_and_idempotent_meta()
    {
        var key = NewKey();
        using var first = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-1"), key);
        var created = await Envelopes.SuccessAsync(first, HttpStatusCode.Created);
        var firstBody = await Envelopes.ReadAsync(first);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        using var replay = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-1"), key);
        var replayed = await Envelopes.SuccessAsync(replay, HttpStatusCode.OK);
        var body = await Envelopes.ReadAsync(replay);

        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(created.GetRawText(), replayed.GetRawText());
        Assert.Equal("Product already exists", body.GetProperty("message").GetString());
        var meta = body.GetProperty("meta");
        Assert.True(meta.GetProperty("idempotent").GetBoolean());
        var originalCreatedAt = meta.GetProperty("original_created_at").GetDateTimeOffset();
        Assert.True(Math.Abs((originalCreatedAt - created.GetProperty("created_at").GetDateTimeOffset()).TotalSeconds) < 5);
        Assert.Equal(firstBody.GetProperty("meta").GetProperty("request_id").GetString(), meta.GetProperty("original_request_id").GetString());
        Assert.NotEqual(meta.GetProperty("original_request_id").GetString(), meta.GetProperty("request_id").GetString());
        Assert.Equal(1, await CountProductsAsync("IDEM-1"));
    }

    [Fact]
    public async Task Same_key_with_a_different_body_is_422_and_changes_nothing()
    {
        var key = NewKey();
        using var first = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-2"), key);
        await Envelopes.SuccessAsync(first, HttpStatusCode.Created);

        using var other = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-2B"), key);
        var error = await Envelopes.ErrorAsync(other, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
        Assert.True(error.GetProperty("details").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(0, await CountProductsAsync("IDEM-2B"));
    }

    [Fact]
    public async Task Same_json_with_other_key_order_and_spacing_is_the_same_request()
    {
        var key = NewKey();
        using var first = await SendAsync(HttpMethod.Post, "/v1/products", "{\"sku\":\"IDEM-3\",\"name\":\"Widget\",\"price\":{\"amount\":1.5,\"currency\":\"USD\"}}", key);
        await Envelopes.SuccessAsync(first, HttpStatusCode.Created);

        using var reordered = await SendAsync(HttpMethod.Post, "/v1/products", "{ \"price\": { \"currency\": \"USD\", \"amount\": 1.5 },\n  \"name\": \"Widget\", \"sku\": \"IDEM-3\" }", key);
        await Envelopes.SuccessAsync(reordered, HttpStatusCode.OK);
        Assert.Equal(1, await CountProductsAsync("IDEM-3"));
    }

    [Fact]
    public async Task A_refused_request_stores_nothing_so_the_key_can_be_used_for_the_corrected_request()
    {
        var key = NewKey();
        using var invalid = await SendAsync(HttpMethod.Post, "/v1/products", JsonSerializer.Serialize(new { sku = "IDEM-4" }), key);
        await Envelopes.ErrorAsync(invalid, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var corrected = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-4"), key);
        await Envelopes.SuccessAsync(corrected, HttpStatusCode.Created);

        // A 409 (duplicate SKU) is not stored either.
        var secondKey = NewKey();
        using var duplicate = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-4"), secondKey);
        await Envelopes.ErrorAsync(duplicate, HttpStatusCode.Conflict, "CONFLICT");
        using var retried = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-4C"), secondKey);
        await Envelopes.SuccessAsync(retried, HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1000)]
    public async Task Key_longer_than_255_characters_is_a_validation_error(int length)
    {
        using var response = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-5-" + length), new string('k', length));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(0, await CountProductsAsync("IDEM-5-" + length));
    }

    [Fact]
    public async Task Key_of_255_printable_characters_is_accepted()
    {
        var key = (NewKey() + " ~!#$%&'()*+,-./:;<=>?@[]^_`{|}" + new string('x', 255)).Substring(0, 255);
        using var response = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-6"), key);
        await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        using var replay = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-6"), key);
        await Envelopes.SuccessAsync(replay, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Keys_are_scoped_per_endpoint_and_per_organization()
    {
        var key = NewKey();
        using var product = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-7"), key);
        await Envelopes.SuccessAsync(product, HttpStatusCode.Created);

        using var location = await SendAsync(HttpMethod.Post, "/v1/locations", JsonSerializer.Serialize(new { name = "Idem store", type = "retail" }), key);
        var locationData = await Envelopes.SuccessAsync(location, HttpStatusCode.Created);
        using var locationReplay = await SendAsync(HttpMethod.Post, "/v1/locations", JsonSerializer.Serialize(new { name = "Idem store", type = "retail" }), key);
        Assert.Equal(locationData.GetProperty("id").GetString(), (await Envelopes.SuccessAsync(locationReplay)).GetProperty("id").GetString());
        Assert.Equal("Location already exists", (await Envelopes.ReadAsync(locationReplay)).GetProperty("message").GetString());

        var other = await Tenant.CreateAsync(fixture.Api, "Other idempotency organization");
        using var otherClient = other.Client(fixture.Api);
        using var otherProduct = await SendAsync(HttpMethod.Post, "/v1/products", Product("IDEM-7"), key, otherClient);
        await Envelopes.SuccessAsync(otherProduct, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Patch_and_delete_replay_and_the_key_is_bound_to_the_resource_path()
    {
        using var created = await _client.PostAsJsonAsync("/v1/products", new { sku = "IDEM-8", name = "Widget" });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var createdOther = await _client.PostAsJsonAsync("/v1/products", new { sku = "IDEM-8B", name = "Widget" });
        var otherId = (await Envelopes.SuccessAsync(createdOther, HttpStatusCode.Created)).GetProperty("id").GetString();

        var patchKey = NewKey();
        using var patch = await SendAsync(HttpMethod.Patch, $"/v1/products/{id}", "{\"name\":\"Renamed\"}", patchKey);
        Assert.Equal(2, (await Envelopes.SuccessAsync(patch)).GetProperty("version").GetInt32());
        using var patchReplay = await SendAsync(HttpMethod.Patch, $"/v1/products/{id}", "{\"name\":\"Renamed\"}", patchKey);
        Assert.Equal(2, (await Envelopes.SuccessAsync(patchReplay)).GetProperty("version").GetInt32());
        Assert.Equal("Request already processed", (await Envelopes.ReadAsync(patchReplay)).GetProperty("message").GetString());

        var deleteKey = NewKey();
        using var delete = await SendAsync(HttpMethod.Delete, $"/v1/products/{id}", null, deleteKey);
        await Envelopes.SuccessAsync(delete);
        using var deleteReplay = await SendAsync(HttpMethod.Delete, $"/v1/products/{id}", null, deleteKey);
        await Envelopes.SuccessAsync(deleteReplay);
        Assert.Equal("true", deleteReplay.Headers.GetValues("Idempotent-Replayed").Single());

        // The same key on another product is another request: refused, and that product stays.
        using var deleteOther = await SendAsync(HttpMethod.Delete, $"/v1/products/{otherId}", null, deleteKey);
        await Envelopes.ErrorAsync(deleteOther, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
        using var stillThere = await _client.GetAsync($"/v1/products/{otherId}");
        await Envelopes.SuccessAsync(stillThere);
    }

    [Fact]
    public async Task Put_ignores_the_key_because_it_is_idempotent_by_itself()
    {
        using var created = await _client.PostAsJsonAsync("/v1/products", new { sku = "IDEM-9", name = "Widget" });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();
        var key = NewKey();
        using var first = await SendAsync(HttpMethod.Put, $"/v1/products/{id}", "{\"sku\":\"IDEM-9\",\"name\":\"A\"}", key);
        await Envelopes.SuccessAsync(first);
        using var second = await SendAsync(HttpMethod.Put, $"/v1/products/{id}", "{\"sku\":\"IDEM-9\",\"name\":\"B\"}", key);
        Assert.Equal("B", (await Envelopes.SuccessAsync(second)).GetProperty("name").GetString());
        Assert.False(second.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Fifty_concurrent_identical_posts_with_one_key_create_exactly_one_product()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcomes = await IdempotencyRace.SendAsync(_client, HttpMethod.Post, "/v1/products", Product("IDEM-RACE"), NewKey(), callers: 50);
        output.WriteLine($"50 callers in {clock.ElapsedMilliseconds} ms: " + string.Join(", ", outcomes.GroupBy(o => (int)o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}")));

        var data = IdempotencyRace.AssertAppliedOnce(outcomes);
        Assert.Equal("IDEM-RACE", data.GetProperty("sku").GetString());
        Assert.Equal(1, await CountProductsAsync("IDEM-RACE"));
    }
}
