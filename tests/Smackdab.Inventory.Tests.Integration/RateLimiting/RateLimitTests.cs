using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Tests.Integration.TestHost;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.RateLimiting;

public static class RateLimitAssert
{
    public static readonly string[] HeaderNames =
        ["X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"];

    public static int Header(HttpResponseMessage response, string name) => int.Parse(response.Headers.GetValues(name).Single(), System.Globalization.CultureInfo.InvariantCulture);

    public static void HasHeaders(HttpResponseMessage response)
    {
        foreach (var name in HeaderNames)
        {
            Assert.True(response.Headers.Contains(name), $"{name} missing on {(int)response.StatusCode}");
        }

        var reset = long.Parse(response.Headers.GetValues("X-Rate-Limit-Reset").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(reset > 1_600_000_000, $"X-Rate-Limit-Reset {reset} is not unix seconds");
        Assert.Equal(response.Headers.GetValues("X-Rate-Limit-Remaining").Single(), response.Headers.GetValues("X-RateLimit-Remaining").Single());
    }

    public static async Task Is429Async(HttpResponseMessage response, int limit)
    {
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
        var details = error.GetProperty("details");
        Assert.Equal(limit, details.GetProperty("limit").GetInt32());
        Assert.Equal("1m", details.GetProperty("window").GetString());
        var retryAfter = details.GetProperty("retry_after").GetInt32();
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("X-RateLimit-Retry-After").Single());
        Assert.Equal(0, Header(response, "X-Rate-Limit-Remaining"));
        HasHeaders(response);
    }
}

public sealed class RateLimitHeaderTests(TenantFixture fixture) : IClassFixture<TenantFixture>
{
    [Fact]
    public async Task Every_v1_response_success_or_error_carries_the_rate_limit_headers()
    {
        using var ok = await fixture.Client.GetAsync("/v1/products");
        await Envelopes.ListAsync(ok);
        RateLimitAssert.HasHeaders(ok);

        using var notFound = await fixture.Client.GetAsync("/v1/products/prod_missing");
        await Envelopes.ErrorAsync(notFound, HttpStatusCode.NotFound, "NOT_FOUND");
        RateLimitAssert.HasHeaders(notFound);

        using var invalid = await fixture.Client.PostAsJsonAsync("/v1/products", new { sku = "RL-1" });
        await Envelopes.ErrorAsync(invalid, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        RateLimitAssert.HasHeaders(invalid);

        using var anonymous = fixture.Api.CreateClient();
        using var unauthenticated = await anonymous.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(unauthenticated, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        RateLimitAssert.HasHeaders(unauthenticated);
    }
}

/// <summary>Small budgets, counted in process (no Redis configured), with a clock the test moves.</summary>
public sealed class InProcessRateLimitFixture : IAsyncLifetime
{
    public ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 10, 0, 5, TimeSpan.Zero));

    public ApiFactory Api { get; private set; } = null!;

    /// <summary>One organization per test, made up front: the platform key's own budget (burst 4) covers these four calls.</summary>
    public Tenant BurstTenant { get; private set; } = null!;

    public Tenant BulkTenant { get; private set; } = null!;

    public Tenant PremiumTenant { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await TestOnlyApi.StartAsync(
            new Dictionary<string, string?>
            {
                ["RateLimiting:Tiers:default:RequestsPerMinute"] = "6",
                ["RateLimiting:Tiers:default:BurstCapacity"] = "4",
                ["RateLimiting:Tiers:premium:RequestsPerMinute"] = "9",
                ["RateLimiting:Tiers:premium:BurstCapacity"] = "9",
                ["RateLimiting:Tiers:bulk_operations:RequestsPerMinute"] = "2",
                ["RateLimiting:Tiers:bulk_operations:BurstCapacity"] = "2",
            },
            services => services.AddSingleton<TimeProvider>(Clock));
        BurstTenant = await Tenant.CreateAsync(Api);
        BulkTenant = await Tenant.CreateAsync(Api);
        PremiumTenant = await Tenant.CreateAsync(Api);
        using var platform = Api.CreateClient();
        platform.DefaultRequestHeaders.Add("X-API-Key", Api.PlatformKey);
        using var premium = await platform.PatchAsJsonAsync($"/v1/organizations/{PremiumTenant.OrganizationId}/settings", new { rate_limit_tier = "premium" });
        Assert.Equal("premium", (await Envelopes.SuccessAsync(premium)).GetProperty("rate_limit_tier").GetString());
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

[CollectionDefinition(nameof(InProcessRateLimitCollection))]
public sealed class InProcessRateLimitCollection : ICollectionFixture<InProcessRateLimitFixture>;

[Collection(nameof(InProcessRateLimitCollection))]
public sealed class InProcessRateLimitTests(InProcessRateLimitFixture fixture)
{
    [Fact]
    public async Task Burst_then_refill_then_the_per_minute_cap()
    {
        var tenant = fixture.BurstTenant;
        using var client = tenant.Client(fixture.Api);

        // Burst capacity 4: four at once, the fifth is refused.
        for (var i = 0; i < 4; i++)
        {
            using var ok = await client.GetAsync("/v1/products");
            await Envelopes.ListAsync(ok);
            Assert.Equal(6, RateLimitAssert.Header(ok, "X-Rate-Limit-Limit"));
            Assert.Equal(3 - i, RateLimitAssert.Header(ok, "X-Rate-Limit-Remaining"));
        }

        using (var refused = await client.GetAsync("/v1/products"))
        {
            await RateLimitAssert.Is429Async(refused, limit: 6);
            Assert.Equal(10, RateLimitAssert.Header(refused, "Retry-After")); // one token per 10 s at 6/min
        }

        // 20 s later two tokens are back; the window (aligned to the minute) has counted 4 of 6.
        fixture.Clock.Advance(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 2; i++)
        {
            using var ok = await client.GetAsync("/v1/products");
            await Envelopes.ListAsync(ok);
        }

        // 30 s later tokens are back, but the window's 6 are spent: refused until the minute ends.
        fixture.Clock.Advance(TimeSpan.FromSeconds(30));
        using (var capped = await client.GetAsync("/v1/products"))
        {
            await RateLimitAssert.Is429Async(capped, limit: 6);
            Assert.Equal(5, RateLimitAssert.Header(capped, "Retry-After"));
            Assert.Equal(new DateTimeOffset(2026, 1, 5, 10, 1, 0, TimeSpan.Zero).ToUnixTimeSeconds(), RateLimitAssert.Header(capped, "X-Rate-Limit-Reset"));
        }

        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        using var nextWindow = await client.GetAsync("/v1/products");
        await Envelopes.ListAsync(nextWindow);
    }

    [Fact]
    public async Task The_organization_has_one_budget_however_many_keys_and_bulk_routes_their_own_tier()
    {
        var tenant = fixture.BulkTenant;
        using var admin = tenant.Client(fixture.Api);
        using var other = tenant.Client(fixture.Api, await tenant.CreateKeyAsync(fixture.Api, ["inventory.products.write", "inventory.products.read"]));

        for (var i = 0; i < 2; i++)
        {
            using var batch = await other.PostAsJsonAsync("/v1/test-only/batch", new { items = new[] { 1, 2 } });
            await Envelopes.SuccessAsync(batch);
            Assert.Equal(2, RateLimitAssert.Header(batch, "X-Rate-Limit-Limit"));
        }

        using (var refusedBatch = await other.PostAsJsonAsync("/v1/test-only/batch", new { items = new[] { 3 } }))
        {
            await RateLimitAssert.Is429Async(refusedBatch, limit: 2);
        }

        // The ordinary budget is untouched; but a second key adds no budget: the organization's bulk budget is spent.
        using var ordinary = await other.GetAsync("/v1/products");
        await Envelopes.ListAsync(ordinary);
        using var adminBatch = await admin.PostAsJsonAsync("/v1/test-only/batch", new { items = new[] { 4 } });
        await RateLimitAssert.Is429Async(adminBatch, limit: 2);
    }

    [Fact]
    public async Task A_premium_organization_gets_the_premium_budget()
    {
        var tenant = fixture.PremiumTenant;
        using var client = tenant.Client(fixture.Api);
        using var response = await client.GetAsync("/v1/products");
        await Envelopes.ListAsync(response);
        Assert.Equal(9, RateLimitAssert.Header(response, "X-Rate-Limit-Limit"));
        Assert.Equal(8, RateLimitAssert.Header(response, "X-Rate-Limit-Remaining"));
    }

    [Fact]
    public async Task Unauthenticated_requests_are_limited_by_client_address()
    {
        using var anonymous = fixture.Api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await anonymous.GetAsync("/v1/products");
            statuses.Add(response.StatusCode);
            RateLimitAssert.HasHeaders(response);
            await Envelopes.ReadAsync(response);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
    }
}

/// <summary>Two API instances over one database and one Redis: one budget.</summary>
public sealed class SharedBudgetTests
{
    [Fact]
    public async Task Two_instances_share_one_budget_in_redis()
    {
        var redis = await RedisServer.GetAsync();
        var clock = new ManualTimeProvider();
        var settings = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["RateLimiting:KeyPrefix"] = $"test-{Guid.NewGuid():N}:",
            ["RateLimiting:Tiers:default:RequestsPerMinute"] = "10",
            ["RateLimiting:Tiers:default:BurstCapacity"] = "10",
        };
        await using var first = await ApiFactory.StartAsync(settings, services => services.AddSingleton<TimeProvider>(clock));
        await using var second = ApiFactory.StartAnotherInstance(first, settings, services => services.AddSingleton<TimeProvider>(clock));
        var tenant = await Tenant.CreateAsync(first);
        using var a = tenant.Client(first);
        using var b = tenant.Client(second);

        // Alternating one by one: each instance sees the other's requests in X-Rate-Limit-Remaining.
        for (var i = 0; i < 10; i++)
        {
            using var ok = await (i % 2 == 0 ? a : b).GetAsync("/v1/products");
            await Envelopes.ListAsync(ok);
            Assert.Equal(9 - i, RateLimitAssert.Header(ok, "X-Rate-Limit-Remaining"));
        }

        // Then both at once: the budget is spent for both.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).GetAsync("/v1/products")));
        try
        {
            foreach (var refused in responses)
            {
                await RateLimitAssert.Is429Async(refused, limit: 10);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }
}
