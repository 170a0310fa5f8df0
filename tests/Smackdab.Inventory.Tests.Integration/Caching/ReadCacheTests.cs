using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Domain.Features.Caching;
using Smackdab.Inventory.Domain.Features.Products;
using Smackdab.Inventory.Domain.Tenancy;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Caching;

/// <summary>
/// The read cache of products, locations and stock: a committed write is never followed by a stale read — on the writing
/// instance, on another instance (two hosts over one database and one Redis), or for a reader whose database read it
/// overtook — and one tenant's (or branch's) cached answer never answers another.
/// </summary>
public sealed class ReadCacheTests
{
    private static readonly TimeSpan NotificationDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Writes_on_one_instance_are_read_fresh_at_once_on_another_that_had_cached_the_old_answers()
    {
        var redis = await RedisServer.GetAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis.Configuration,
            ["Cache:RedisKeyPrefix"] = $"test-{Guid.NewGuid():N}:",
        };
        await using var first = await ApiFactory.StartAsync(settings);
        await using var second = ApiFactory.StartAnotherInstance(first, settings);
        await WaitForSubscriptionsAsync(first, second);

        var kit = new StockKit(first, await Tenant.CreateAsync(first));
        using var onSecond = kit.Tenant.Client(second);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var statistics = second.Services.GetRequiredService<ReadCacheStatistics>();
        await using var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var versions = redisClient.GetDatabase();
        var versionKey = settings["Cache:RedisKeyPrefix"] + "version:" + kit.Tenant.OrganizationId;

        // An answer the first instance read is the second instance's first answer too, from the Redis second level, and
        // it survives the trip through Redis unchanged.
        await kit.BookAsync("receipt", product, location, 0.5m);
        foreach (var path in new[] { $"/v1/products/{product}/inventory", $"/v1/products?include=inventory,pricing", $"/v1/locations/{location}" })
        {
            var fromFirst = await DataAsync(kit.Client, path);
            var hits = statistics.Hits;
            var fromSecond = await DataAsync(onSecond, path);
            Assert.True(statistics.Hits > hits, $"the second instance should have answered {path} from the second level");
            Assert.Equal(fromFirst, fromSecond);
        }

        await kit.BookAsync("shipment", product, location, 0.5m);
        for (var round = 1; round <= 5; round++)
        {
            // The second instance answers these from its cache before each write...
            await ReadTwiceAsync(onSecond, statistics, $"/v1/products/{product}/inventory", $"/v1/products/{product}", "/v1/products", $"/v1/locations/{location}");

            // ...and the first read after each write, with no waiting, shows it: the writer raised the shared version in
            // Redis before it answered, so the second instance does not depend on its notification having arrived.
            var before = (long)await versions.HashGetAsync(versionKey, "inventory");
            await kit.BookAsync("receipt", product, location, 1);
            Assert.True((long)await versions.HashGetAsync(versionKey, "inventory") > before, "the write answered before raising the shared version");
            Assert.Equal(round, await OnHandAsync(onSecond, product, location));

            await PatchAsync(kit.Client, $"/v1/products/{product}", new { name = $"Product round {round}" });
            Assert.Equal($"Product round {round}", (await GetAsync(onSecond, $"/v1/products/{product}")).GetProperty("name").GetString());
            Assert.Contains(await ListAsync(onSecond, "/v1/products"), p => p.GetProperty("name").GetString() == $"Product round {round}");

            await PatchAsync(kit.Client, $"/v1/locations/{location}", new { name = $"Location round {round}" });
            Assert.Equal($"Location round {round}", (await GetAsync(onSecond, $"/v1/locations/{location}")).GetProperty("name").GetString());
            Assert.Equal($"Location round {round}", (await ListAsync(onSecond, $"/v1/products/{product}/inventory")).Single().GetProperty("location_name").GetString());
        }
    }

    [Fact]
    public async Task Without_redis_the_writing_instance_reads_fresh_at_once_and_another_as_soon_as_the_commit_notification_arrives()
    {
        await using var first = await ApiFactory.StartAsync();
        await using var second = ApiFactory.StartAnotherInstance(first);
        await WaitForSubscriptionsAsync(first, second);

        var kit = new StockKit(first, await Tenant.CreateAsync(first));
        using var onSecond = kit.Tenant.Client(second);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await ReadTwiceAsync(kit.Client, first.Services.GetRequiredService<ReadCacheStatistics>(), $"/v1/products/{product}/inventory");
        await ReadTwiceAsync(onSecond, second.Services.GetRequiredService<ReadCacheStatistics>(), $"/v1/products/{product}/inventory");

        await kit.BookAsync("receipt", product, location, 7);

        Assert.Equal(7, await OnHandAsync(kit.Client, product, location));
        // Entries live an hour: only the invalidation can make the second instance see the receipt before the deadline.
        var deadline = DateTime.UtcNow + NotificationDeadline;
        while (await OnHandAsync(onSecond, product, location) != 7)
        {
            Assert.True(DateTime.UtcNow < deadline, "the second instance still answers the old stock level");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_write_that_commits_between_a_readers_database_read_and_its_cache_store_is_not_hidden_by_that_entry()
    {
        var api = await SharedApi.GetAsync();
        await WaitForSubscriptionsAsync(api);
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var product = await kit.ProductAsync();
        const string key = "race";

        using (var scope = ReaderScope(api, kit.Tenant))
        {
            var services = scope.ServiceProvider;
            var stale = await services.GetRequiredService<ReadCache>().GetOrReadAsync("products", CachedData.Products, key, async token =>
            {
                var before = await services.GetRequiredService<ProductService>().GetAsync(product, [], token);
                await PatchAsync(kit.Client, $"/v1/products/{product}", new { name = "Renamed during the read" });
                return before;
            }, CancellationToken.None);
            Assert.Equal("Stock test product", stale.Name);
        }

        using (var scope = ReaderScope(api, kit.Tenant))
        {
            var services = scope.ServiceProvider;
            var fresh = await services.GetRequiredService<ReadCache>().GetOrReadAsync(
                "products", CachedData.Products, key, token => services.GetRequiredService<ProductService>().GetAsync(product, [], token), CancellationToken.None);
            Assert.Equal("Renamed during the read", fresh.Name);
        }
    }

    [Fact]
    public async Task The_same_request_from_another_organization_or_an_isolated_branch_never_gets_a_cached_answer_of_another()
    {
        var api = await SharedApi.GetAsync();
        await WaitForSubscriptionsAsync(api);
        var statistics = api.Services.GetRequiredService<ReadCacheStatistics>();
        var one = new StockKit(api, await Tenant.CreateAsync(api));
        var two = new StockKit(api, await Tenant.CreateAsync(api));
        var productOfOne = await one.ProductAsync();
        var productOfTwo = await two.ProductAsync();

        await ReadTwiceAsync(one.Client, statistics, "/v1/products", $"/v1/products/{productOfOne}");
        var seenByTwo = await ListAsync(two.Client, "/v1/products");
        Assert.Equal([productOfTwo], seenByTwo.Select(p => p.GetProperty("id").GetString()));
        using (var foreign = await two.Client.GetAsync($"/v1/products/{productOfOne}"))
        {
            await Envelopes.ErrorAsync(foreign, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        // Branches: a location of North, cached for North's isolated reader, is invisible to the isolated main branch.
        using var branch = await one.Client.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branch, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var northClient = one.Tenant.Client(api, branchId: north, inventoryMode: "branch_isolated");
        using var mainClient = one.Tenant.Client(api, branchId: one.Tenant.BranchId, inventoryMode: "branch_isolated");
        using var created = await northClient.PostAsJsonAsync("/v1/locations", new { name = "North location" });
        var northLocation = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await one.BookAsync("receipt", productOfOne, northLocation, 5);

        await ReadTwiceAsync(northClient, statistics, "/v1/locations", $"/v1/locations/{northLocation}", $"/v1/products/{productOfOne}/inventory");
        Assert.DoesNotContain(await ListAsync(mainClient, "/v1/locations"), l => l.GetProperty("id").GetString() == northLocation);
        Assert.Empty(await ListAsync(mainClient, $"/v1/products/{productOfOne}/inventory"));
        using (var hidden = await mainClient.GetAsync($"/v1/locations/{northLocation}"))
        {
            await Envelopes.ErrorAsync(hidden, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        // The shared (not isolated) view of the same organization sees the North location and its stock.
        Assert.Contains(await ListAsync(one.Client, "/v1/locations"), l => l.GetProperty("id").GetString() == northLocation);
        Assert.Equal(5, await OnHandAsync(one.Client, productOfOne, northLocation));
    }

    [Fact]
    public async Task A_read_with_cache_control_no_cache_is_answered_from_the_database()
    {
        var api = await SharedApi.GetAsync();
        await WaitForSubscriptionsAsync(api);
        var statistics = api.Services.GetRequiredService<ReadCacheStatistics>();
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var product = await kit.ProductAsync();
        await ReadTwiceAsync(kit.Client, statistics, $"/v1/products/{product}");

        var bypasses = statistics.Bypasses;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/products/{product}");
        request.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
        using var response = await kit.Client.SendAsync(request);
        Assert.Equal(product, (await Envelopes.SuccessAsync(response)).GetProperty("id").GetString());
        Assert.True(statistics.Bypasses > bypasses, "the no-cache read should have gone to the database");
    }

    [Fact]
    public async Task A_cached_list_carries_the_sync_token_of_its_read_so_polling_from_it_misses_no_change()
    {
        var api = await SharedApi.GetAsync();
        await WaitForSubscriptionsAsync(api);
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 2);
        var path = $"/v1/products/{product}/inventory";

        var first = await ListTokenAsync(kit.Client, path);
        Assert.Equal(first, await ListTokenAsync(kit.Client, path));

        var receipt = await kit.BookAsync("receipt", product, location, 3);
        var afterReceipt = await ListTokenAsync(kit.Client, path);
        Assert.NotEqual(first, afterReceipt);
        using var changes = await kit.Client.GetAsync($"/v1/inventory/changes?since_token={Uri.EscapeDataString(first)}");
        var items = (await Envelopes.ReadAsync(changes)).GetProperty("data");
        Assert.Contains(items.EnumerateArray(), c => c.GetProperty("transaction_id").GetString() == receipt.GetProperty("id").GetString());
    }

    private static async Task<string> ListTokenAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        await Envelopes.ListAsync(response);
        return Assert.Single(response.Headers.GetValues("X-Next-Sync-Token"));
    }

    private static IServiceScope ReaderScope(ApiFactory api, Tenant tenant)
    {
        var scope = api.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(tenant.OrganizationId, tenant.BranchId, branchIsolated: false);
        return scope;
    }

    /// <summary>Reads each path twice; the second read of each must be a cache hit (so the test exercises the cache).</summary>
    private static async Task ReadTwiceAsync(HttpClient client, ReadCacheStatistics statistics, params string[] paths)
    {
        foreach (var path in paths)
        {
            using (var warm = await client.GetAsync(path))
            {
                await Envelopes.SuccessAsync(warm);
            }

            var hits = statistics.Hits;
            using (var cached = await client.GetAsync(path))
            {
                await Envelopes.SuccessAsync(cached);
            }

            Assert.True(statistics.Hits > hits, $"the second read of {path} should have been answered from the cache");
        }
    }

    private static async Task<string> DataAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await Envelopes.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("data").GetRawText() + body.GetProperty("meta").TryGetProperty("pagination", out var pagination) + pagination;
    }

    private static async Task<decimal> OnHandAsync(HttpClient client, string product, string location)
    {
        var rows = await ListAsync(client, $"/v1/products/{product}/inventory");
        var row = rows.FirstOrDefault(r => r.GetProperty("location_id").GetString() == location);
        return row.ValueKind == JsonValueKind.Undefined ? 0 : row.GetProperty("on_hand").GetDecimal();
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var (items, _) = await Envelopes.ListAsync(response);
        return [.. items.EnumerateArray()];
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return await Envelopes.SuccessAsync(response);
    }

    private static async Task PatchAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PatchAsJsonAsync(path, body);
        await Envelopes.SuccessAsync(response);
    }

    private static async Task WaitForSubscriptionsAsync(params ApiFactory[] instances)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!instances.All(i => i.Services.GetRequiredService<CacheGenerations>().Enabled))
        {
            Assert.True(DateTime.UtcNow < deadline, "the cache invalidation subscription did not come up");
            await Task.Delay(50);
        }
    }
}
