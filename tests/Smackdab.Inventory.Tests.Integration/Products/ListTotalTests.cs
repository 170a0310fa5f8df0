namespace Smackdab.Inventory.Tests.Integration.Products;

/// <summary>Totals are exact up to Api:ExactTotalLimit rows and the database's estimate above it, flagged as such.</summary>
public sealed class ListTotalTests
{
    [Fact]
    public async Task Total_is_exact_up_to_the_limit_and_a_flagged_estimate_above_it()
    {
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Api:ExactTotalLimit"] = "5" });
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        for (var i = 0; i < 5; i++)
        {
            using var created = await client.PostAsJsonAsync("/v1/products", new { sku = $"T-{i}", name = $"Total {i}" });
            await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        }

        using (var exact = await client.GetAsync("/v1/products?pageSize=2"))
        {
            var (_, pagination) = await Envelopes.ListAsync(exact);
            Assert.Equal(5, pagination.GetProperty("total").GetInt64());
            Assert.False(pagination.TryGetProperty("totalEstimated", out _));
        }

        for (var i = 5; i < 9; i++)
        {
            using var created = await client.PostAsJsonAsync("/v1/products", new { sku = $"T-{i}", name = $"Total {i}" });
            await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        }

        using var estimated = await client.GetAsync("/v1/products?pageSize=2");
        var (items, page) = await Envelopes.ListAsync(estimated);
        Assert.Equal(2, items.GetArrayLength());
        Assert.True(page.GetProperty("totalEstimated").GetBoolean());
        Assert.True(page.GetProperty("total").GetInt64() >= 6, "an estimate above the limit is never below limit + 1");
        Assert.True(page.GetProperty("hasMore").GetBoolean());

        // A filter that matches fewer rows than the limit is exact again.
        using var filtered = await client.GetAsync("/v1/products?q=T-7");
        var (_, filteredPage) = await Envelopes.ListAsync(filtered);
        Assert.Equal(1, filteredPage.GetProperty("total").GetInt64());
        Assert.False(filteredPage.TryGetProperty("totalEstimated", out _));
    }
}
