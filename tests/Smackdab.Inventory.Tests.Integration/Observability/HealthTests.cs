using Smackdab.Inventory.Tests.Integration.Integrations;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Observability;

/// <summary>/health/ready: PostgreSQL, Redis and the integrations' breakers; a degraded dependency is reported, not fatal.</summary>
public sealed class HealthTests
{
    private static async Task<JsonElement> ReadyAsync(ApiFactory api)
    {
        using var anonymous = api.CreateClient();
        using var ready = await anonymous.GetAsync("/health/ready");
        // Degraded keeps 200: load balancers keep sending traffic, the body says what is wrong.
        return await Envelopes.SuccessAsync(ready);
    }

    private static async Task<JsonElement> ReadyWhenAsync(ApiFactory api, string check, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement ready;
        do
        {
            ready = await ReadyAsync(api);
            if (ready.GetProperty("checks").GetProperty(check).GetString() == status)
            {
                return ready;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"{check} did not become {status} within 30 s: {ready}");
    }

    [Fact]
    public async Task Redis_going_down_turns_ready_degraded_but_still_200_and_back_to_healthy()
    {
        var redis = await RedisServer.StartDedicatedAsync();
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["Redis:ConnectTimeoutMilliseconds"] = "2000",
            ["Redis:OperationTimeoutMilliseconds"] = "2000",
        });
        try
        {
            // The first connection is made in the background; until then Redis reads as degraded.
            var up = await ReadyWhenAsync(api, "redis", "healthy");
            Assert.Equal("healthy", up.GetProperty("status").GetString());
            Assert.Equal("healthy", up.GetProperty("checks").GetProperty("redis").GetString());
            Assert.Equal("healthy", up.GetProperty("checks").GetProperty("postgres").GetString());

            await redis.StopAsync();
            var down = await ReadyAsync(api);
            Assert.Equal("degraded", down.GetProperty("status").GetString());
            Assert.Equal("degraded", down.GetProperty("checks").GetProperty("redis").GetString());
            Assert.Equal("healthy", down.GetProperty("checks").GetProperty("postgres").GetString());
            Assert.Contains("Redis does not answer", down.GetProperty("details").GetProperty("redis").GetProperty("description").GetString(), StringComparison.Ordinal);

            await redis.StartAgainAsync();
            var again = await ReadyWhenAsync(api, "redis", "healthy");
            Assert.Equal("healthy", again.GetProperty("status").GetString());
        }
        finally
        {
            await redis.StopAsync();
        }
    }

    [Fact]
    public async Task An_open_integration_breaker_is_reported_as_degraded_with_counts_only()
    {
        await using var server = await FaultServer.StartAsync(TimeProvider.System);
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" });
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        var prefix = ConnectorFixture.Prefix();
        server.SetDefault(prefix + "/health", Fault.Answer(500));
        using var created = await client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "Shopify",
            type = "ecommerce",
            base_url = server.BaseUrl + prefix,
            retry_policy = new { max_attempts = 1 },
            circuit_breaker = new { failure_threshold = 2, timeout_ms = 600000 },
        });
        var id = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var before = await ReadyAsync(api);
        Assert.Equal("healthy", before.GetProperty("checks").GetProperty("integrations").GetString());

        for (var i = 0; i < 2; i++)
        {
            using var health = await client.GetAsync($"/v1/integrations/{id}/health");
            await Envelopes.SuccessAsync(health);
        }

        var after = await ReadyAsync(api);
        Assert.Equal("degraded", after.GetProperty("status").GetString());
        Assert.Equal("degraded", after.GetProperty("checks").GetProperty("integrations").GetString());
        var details = after.GetProperty("details").GetProperty("integrations");
        Assert.Equal(1, details.GetProperty("data").GetProperty("open").GetInt32());
        Assert.DoesNotContain(id, after.GetRawText(), StringComparison.Ordinal);

        using var reset = await client.PostAsync($"/v1/integrations/{id}/circuit-breaker/reset", null);
        await Envelopes.SuccessAsync(reset);
        var halfOpen = await ReadyAsync(api);
        Assert.Equal("healthy", halfOpen.GetProperty("checks").GetProperty("integrations").GetString());
        Assert.Equal(1, halfOpen.GetProperty("details").GetProperty("integrations").GetProperty("data").GetProperty("half_open").GetInt32());
    }
}
