namespace Smackdab.Inventory.Tests.Integration.Versioning;

public sealed class VersioningTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    private async Task<HttpResponseMessage> GetAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await fixture.Client.SendAsync(request);
    }

    [Theory]
    [InlineData("application/vnd.api+json;version=1")]
    [InlineData("application/vnd.api+json; version=\"1\"")]
    [InlineData("application/vnd.api+json")]
    [InlineData("application/json")]
    [InlineData("application/vnd.api+json;version=2, application/json;q=0.5")]
    public async Task Version_1_or_no_version_is_served_as_json(string accept)
    {
        using var response = await GetAsync("/v1/products", accept);
        await Envelopes.ListAsync(response);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("application/vnd.api+json;version=2", "2")]
    [InlineData("application/json;version=3", "3")]
    [InlineData("application/vnd.api+json;version=2, */*;version=9", "2")]
    public async Task An_unknown_version_is_406_not_acceptable(string accept, string refused)
    {
        using var response = await GetAsync("/v1/products", accept);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.NotAcceptable, "NOT_ACCEPTABLE");
        Assert.Contains(refused, error.GetProperty("message").GetString());
        Assert.Equal("1", error.GetProperty("details").GetProperty("supported_versions")[0].GetString());
    }

    [Fact]
    public async Task A_deprecated_endpoint_announces_deprecation_sunset_and_the_migration_guide()
    {
        using var created = await fixture.Client.PostAsJsonAsync("/v1/locations", new { name = "Deprecated alias store", type = "retail" });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString();

        foreach (var path in new[] { $"/v1/inventory/locations/{id}", "/v1/inventory/locations/loc_missing" })
        {
            using var response = await GetAsync(path);
            await Envelopes.ReadAsync(response);
            Assert.Equal("@" + new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), response.Headers.GetValues("Deprecation").Single());
            Assert.Equal("Wed, 30 Jun 2027 00:00:00 GMT", response.Headers.GetValues("Sunset").Single());
            var link = string.Join(", ", response.Headers.GetValues("Link"));
            Assert.Contains("</docs/migration-guide.md#inventory-locations>; rel=\"deprecation\"", link);
        }

        foreach (var path in new[] { $"/v1/locations/{id}", "/v1/inventory/locations" })
        {
            using var current = await GetAsync(path);
            await Envelopes.ReadAsync(current);
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
            Assert.False(current.Headers.Contains("Deprecation"), path);
            Assert.False(current.Headers.Contains("Sunset"), path);
        }
    }

    [Fact]
    public async Task The_migration_guide_is_served_and_swagger_marks_the_alias_deprecated()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var guide = await anonymous.GetAsync("/docs/migration-guide.md");
        Assert.Equal(HttpStatusCode.OK, guide.StatusCode);
        Assert.Equal("text/markdown", guide.Content.Headers.ContentType!.MediaType);
        Assert.Contains("### inventory-locations", await guide.Content.ReadAsStringAsync());

        using var swagger = await anonymous.GetAsync("/swagger/v1/swagger.json");
        var paths = JsonDocument.Parse(await swagger.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/inventory/locations/{id}").GetProperty("get").GetProperty("deprecated").GetBoolean());
        Assert.False(paths.GetProperty("/v1/inventory/locations").GetProperty("get").TryGetProperty("deprecated", out _));
        Assert.False(paths.GetProperty("/v1/locations").GetProperty("get").TryGetProperty("deprecated", out _));
    }
}
