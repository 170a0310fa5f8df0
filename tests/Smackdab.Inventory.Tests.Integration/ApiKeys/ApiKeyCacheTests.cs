using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Api.Security;

namespace Smackdab.Inventory.Tests.Integration.ApiKeys;

/// <summary>Two API instances over one database: verified keys are cached, and a revocation evicts them on every instance.</summary>
public sealed class ApiKeyCacheTests
{
    [Fact]
    public async Task Key_cached_on_another_instance_stops_working_there_as_soon_as_it_is_revoked()
    {
        await using var first = await ApiFactory.StartAsync();
        await using var second = ApiFactory.StartAnotherInstance(first);
        var cache = second.Services.GetRequiredService<ApiKeyCache>();
        await WaitUntilAsync(() => cache.Enabled && first.Services.GetRequiredService<ApiKeyCache>().Enabled);

        var tenant = await Tenant.CreateAsync(first);
        using var admin = tenant.Client(first);
        using var create = await admin.PostAsJsonAsync("/v1/api-keys", new { name = "cached", scopes = new[] { "inventory.products.read" } });
        var key = await Envelopes.SuccessAsync(create, HttpStatusCode.Created);
        using var onFirst = tenant.Client(first, key.GetProperty("secret").GetString());
        using var onSecond = tenant.Client(second, key.GetProperty("secret").GetString());

        // Both instances verify the key, and the second answers from its cache on the next request.
        using (var warm = await onFirst.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(warm);
        }

        using (var warm = await onSecond.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(warm);
        }

        var hits = cache.Hits;
        using (var cached = await onSecond.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(cached);
        }

        Assert.True(cache.Hits > hits, "the second instance should have answered from its key cache");

        using var revoke = await admin.DeleteAsync($"/v1/api-keys/{key.GetProperty("id").GetString()}");
        await Envelopes.SuccessAsync(revoke);

        // No waiting: the very next request on either instance is refused.
        using var afterOnSecond = await onSecond.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(afterOnSecond, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
        using var afterOnFirst = await onFirst.GetAsync("/v1/products");
        await Envelopes.ErrorAsync(afterOnFirst, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the revocation subscription did not come up");
            await Task.Delay(50);
        }
    }
}
