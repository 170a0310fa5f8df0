using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Tests.Integration.TestHost;

namespace Smackdab.Inventory.Tests.Integration.Idempotency;

/// <summary>The per-organization rule: POSTs under /v1/inventory need an Idempotency-Key unless the organization turns it off.</summary>
public sealed class IdempotencyKeyRequiredTests(TestOnlyTenantFixture fixture) : IClassFixture<TestOnlyTenantFixture>
{
    /// <summary>Every POST route under /v1/inventory this host serves: the ledger's once it lands, and the test-only echo always.</summary>
    private List<string> InventoryPostPaths() =>
        fixture.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => p.StartsWith("/v1/inventory/", StringComparison.OrdinalIgnoreCase))
            .Select(p => System.Text.RegularExpressions.Regex.Replace(p, "{[^}]+}", "x_test"))
            .Distinct()
            .ToList();

    [Fact]
    public async Task Every_post_under_v1_inventory_without_a_key_is_400_idempotency_key_required_by_default()
    {
        var paths = InventoryPostPaths();
        Assert.Contains("/v1/inventory/test-only/echo", paths);
        foreach (var path in paths)
        {
            using var response = await fixture.Client.PostAsJsonAsync(path, new { });
            var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "IDEMPOTENCY_KEY_REQUIRED");
            Assert.True(error.GetProperty("details").TryGetProperty("Idempotency-Key", out _), path);
        }
    }

    [Fact]
    public async Task With_a_key_the_inventory_post_runs_and_replays()
    {
        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/test-only/echo") { Content = JsonContent.Create(new { n = 1 }) };
        first.Headers.Add("Idempotency-Key", "echo-1");
        using var created = await fixture.Client.SendAsync(first);
        var data = await Envelopes.SuccessAsync(created, HttpStatusCode.Created);

        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/test-only/echo") { Content = JsonContent.Create(new { n = 1 }) };
        again.Headers.Add("Idempotency-Key", "echo-1");
        using var replay = await fixture.Client.SendAsync(again);
        Assert.Equal(data.GetProperty("id").GetString(), (await Envelopes.SuccessAsync(replay)).GetProperty("id").GetString());
        Assert.Equal("Echo already exists", (await Envelopes.ReadAsync(replay)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_post_to_a_get_only_inventory_route_is_still_405()
    {
        using var response = await fixture.Client.PostAsJsonAsync("/v1/inventory/locations", new { name = "x" });
        await Envelopes.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [Fact]
    public async Task Swagger_documents_the_key_on_mutations()
    {
        using var anonymous = fixture.Api.CreateClient();
        using var swagger = await anonymous.GetAsync("/swagger/v1/swagger.json");
        var paths = JsonDocument.Parse(await swagger.Content.ReadAsStringAsync()).RootElement.GetProperty("paths");
        static bool HasKey(JsonElement operation) =>
            operation.GetProperty("parameters").EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.True(HasKey(paths.GetProperty("/v1/products").GetProperty("post")));
        Assert.True(HasKey(paths.GetProperty("/v1/products/{id}").GetProperty("patch")));
        Assert.True(HasKey(paths.GetProperty("/v1/products/{id}").GetProperty("delete")));
        Assert.False(HasKey(paths.GetProperty("/v1/products/{id}").GetProperty("put")));
    }

    [Fact]
    public async Task Elsewhere_the_key_is_optional()
    {
        using var response = await fixture.Client.PostAsJsonAsync("/v1/products", new { sku = "NOKEY-1", name = "Widget" });
        await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_organization_can_turn_the_requirement_off_and_on()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api, "Relaxed organization");
        using var client = tenant.Client(fixture.Api, autoIdempotencyKey: false);

        using var settings = await client.GetAsync("/v1/organization/settings");
        var current = await Envelopes.SuccessAsync(settings);
        Assert.True(current.GetProperty("require_idempotency_for_inventory").GetBoolean());
        Assert.Equal("default", current.GetProperty("rate_limit_tier").GetString());

        using var off = await client.PatchAsJsonAsync("/v1/organization/settings", new { require_idempotency_for_inventory = false });
        Assert.False((await Envelopes.SuccessAsync(off)).GetProperty("require_idempotency_for_inventory").GetBoolean());
        using var allowed = await client.PostAsJsonAsync("/v1/inventory/test-only/echo", new { n = 2 });
        await Envelopes.SuccessAsync(allowed, HttpStatusCode.Created);

        using var on = await client.PatchAsJsonAsync("/v1/organization/settings", new { require_idempotency_for_inventory = true });
        await Envelopes.SuccessAsync(on);
        using var refused = await client.PostAsJsonAsync("/v1/inventory/test-only/echo", new { n = 3 });
        await Envelopes.ErrorAsync(refused, HttpStatusCode.BadRequest, "IDEMPOTENCY_KEY_REQUIRED");
    }

    [Fact]
    public async Task Only_an_admin_key_changes_settings_and_only_the_platform_changes_the_tier()
    {
        var tenant = await Tenant.CreateAsync(fixture.Api, "Tiered organization");
        using var admin = tenant.Client(fixture.Api);
        var writerKey = await tenant.CreateKeyAsync(fixture.Api, ["inventory.products.write"]);
        using var writer = tenant.Client(fixture.Api, writerKey);

        using var notAdmin = await writer.PatchAsJsonAsync("/v1/organization/settings", new { require_idempotency_for_inventory = false });
        await Envelopes.ErrorAsync(notAdmin, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var tierByTenant = await admin.PatchAsJsonAsync("/v1/organization/settings", new { rate_limit_tier = "premium" });
        await Envelopes.ErrorAsync(tierByTenant, HttpStatusCode.Forbidden, "PERMISSION_DENIED");

        using var platform = fixture.Api.CreateClient();
        platform.DefaultRequestHeaders.Add("X-API-Key", fixture.Api.PlatformKey);
        using var unknownTier = await platform.PatchAsJsonAsync($"/v1/organizations/{tenant.OrganizationId}/settings", new { rate_limit_tier = "gold" });
        await Envelopes.ErrorAsync(unknownTier, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var premium = await platform.PatchAsJsonAsync($"/v1/organizations/{tenant.OrganizationId}/settings", new { rate_limit_tier = "premium" });
        Assert.Equal("premium", (await Envelopes.SuccessAsync(premium)).GetProperty("rate_limit_tier").GetString());
        using var unknownOrganization = await platform.PatchAsJsonAsync("/v1/organizations/org_nope/settings", new { rate_limit_tier = "premium" });
        await Envelopes.ErrorAsync(unknownOrganization, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
