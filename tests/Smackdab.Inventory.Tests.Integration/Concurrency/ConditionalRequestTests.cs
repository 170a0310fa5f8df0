namespace Smackdab.Inventory.Tests.Integration.Concurrency;

/// <summary>ETag "version-N", If-Match (409 with both versions) and If-None-Match (304) on every versioned resource.</summary>
public sealed class ConditionalRequestTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string, string, string> Resources => new()
    {
        { "/v1/products", "{\"sku\":\"COND-{0}\",\"name\":\"Widget\"}", "{\"sku\":\"COND-{0}\",\"name\":\"Replaced\"}" },
        { "/v1/locations", "{\"name\":\"Cond {0}\",\"type\":\"retail\"}", "{\"name\":\"Replaced {0}\",\"type\":\"retail\"}" },
    };

    private async Task<(string Id, HttpResponseMessage Response)> CreateAsync(string collection, string body)
    {
        var response = await _client.PostAsync(collection, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        return (data.GetProperty("id").GetString()!, response);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? ifMatch = null, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return _client.SendAsync(request);
    }

    private static async Task AssertVersionConflictAsync(HttpResponseMessage response, int current, int provided)
    {
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Equal(current, error.GetProperty("details").GetProperty("current_version").GetInt32());
        Assert.Equal(provided, error.GetProperty("details").GetProperty("provided_version").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task Etag_follows_the_version_through_create_read_replace_and_patch(string collection, string create, string replace)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (id, created) = await CreateAsync(collection, create.Replace("{0}", suffix, StringComparison.Ordinal));
        Assert.Equal("\"version-1\"", created.Headers.ETag!.Tag);
        created.Dispose();

        using var get = await _client.GetAsync($"{collection}/{id}");
        await Envelopes.SuccessAsync(get);
        Assert.Equal("\"version-1\"", get.Headers.ETag!.Tag);

        using var put = await SendAsync(HttpMethod.Put, $"{collection}/{id}", replace.Replace("{0}", suffix, StringComparison.Ordinal), ifMatch: "\"version-1\"");
        Assert.Equal(2, (await Envelopes.SuccessAsync(put)).GetProperty("version").GetInt32());
        Assert.Equal("\"version-2\"", put.Headers.ETag!.Tag);

        using var patch = await SendAsync(HttpMethod.Patch, $"{collection}/{id}", "{}", ifMatch: "\"version-2\"");
        await Envelopes.SuccessAsync(patch);
        Assert.Equal("\"version-3\"", patch.Headers.ETag!.Tag);

        using var notModified = await SendAsync(HttpMethod.Get, $"{collection}/{id}", null, ifNoneMatch: "\"version-3\"");
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal("\"version-3\"", notModified.Headers.ETag!.Tag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var modified = await SendAsync(HttpMethod.Get, $"{collection}/{id}", null, ifNoneMatch: "\"version-1\"");
        Assert.Equal(3, (await Envelopes.SuccessAsync(modified)).GetProperty("version").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task Stale_if_match_on_put_patch_and_delete_is_409_with_both_versions_and_changes_nothing(string collection, string create, string replace)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (id, created) = await CreateAsync(collection, create.Replace("{0}", suffix, StringComparison.Ordinal));
        created.Dispose();
        using (var bump = await SendAsync(HttpMethod.Patch, $"{collection}/{id}", "{}"))
        {
            await Envelopes.SuccessAsync(bump);
        }

        using var put = await SendAsync(HttpMethod.Put, $"{collection}/{id}", replace.Replace("{0}", suffix, StringComparison.Ordinal), ifMatch: "\"version-1\"");
        await AssertVersionConflictAsync(put, current: 2, provided: 1);
        using var patch = await SendAsync(HttpMethod.Patch, $"{collection}/{id}", "{}", ifMatch: "W/\"version-1\"");
        await AssertVersionConflictAsync(patch, current: 2, provided: 1);
        using var delete = await SendAsync(HttpMethod.Delete, $"{collection}/{id}", null, ifMatch: "\"version-1\"");
        await AssertVersionConflictAsync(delete, current: 2, provided: 1);

        using var unchanged = await _client.GetAsync($"{collection}/{id}");
        Assert.Equal(2, (await Envelopes.SuccessAsync(unchanged)).GetProperty("version").GetInt32());

        using var malformed = await SendAsync(HttpMethod.Delete, $"{collection}/{id}", null, ifMatch: "\"v7\"");
        await Envelopes.ErrorAsync(malformed, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var deleted = await SendAsync(HttpMethod.Delete, $"{collection}/{id}", null, ifMatch: "\"version-2\"");
        await Envelopes.SuccessAsync(deleted);
    }

    [Fact]
    public async Task Concurrent_updates_with_the_same_if_match_apply_once_and_the_others_get_both_versions()
    {
        var (id, created) = await CreateAsync("/v1/products", "{\"sku\":\"COND-RACE\",\"name\":\"Widget\"}");
        created.Dispose();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            SendAsync(HttpMethod.Put, $"/v1/products/{id}", $"{{\"sku\":\"COND-RACE\",\"name\":\"Writer {i}\"}}", ifMatch: "\"version-1\"")));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            foreach (var conflict in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                await AssertVersionConflictAsync(conflict, current: 2, provided: 1);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        using var final = await _client.GetAsync($"/v1/products/{id}");
        Assert.Equal(2, (await Envelopes.SuccessAsync(final)).GetProperty("version").GetInt32());
    }
}
