using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Api.Caching;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Caching;

/// <summary><c>X-Consistency: strong</c> reads the database past the read cache; eventual (the default) may use it; other values are 400.</summary>
public sealed class ConsistencyHeaderTests
{
    [Fact]
    public async Task A_strong_read_sees_the_database_where_an_eventual_read_is_answered_from_the_cache()
    {
        var api = await SharedApi.GetAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!api.Services.GetRequiredService<CacheGenerations>().Enabled)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cache invalidation subscription did not come up");
            await Task.Delay(50);
        }

        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        var product = await kit.ProductAsync();
        Assert.NotEqual("Changed behind the API", await NameAsync(kit.Client, product, consistency: null));

        // A change the API does not know about (no event, no version raised): only a read that skips the cache sees it.
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand("UPDATE products SET name = 'Changed behind the API' WHERE id = @id", connection);
            update.Parameters.AddWithValue("id", product);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        Assert.NotEqual("Changed behind the API", await NameAsync(kit.Client, product, consistency: "eventual"));
        Assert.Equal("Changed behind the API", await NameAsync(kit.Client, product, consistency: "strong"));
        Assert.Equal("Changed behind the API", await NameAsync(kit.Client, product, consistency: "STRONG"));
    }

    [Theory]
    [InlineData("weak")]
    [InlineData("linearizable")]
    [InlineData("strong, eventual")]
    public async Task Another_consistency_value_is_a_validation_error_naming_the_header(string value)
    {
        var api = await SharedApi.GetAsync();
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/products");
        request.Headers.TryAddWithoutValidation("X-Consistency", value);
        using var response = await client.SendAsync(request);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("X-Consistency", out _), error.ToString());
    }

    private static async Task<string?> NameAsync(HttpClient client, string product, string? consistency)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/products/{product}");
        if (consistency is not null)
        {
            request.Headers.Add("X-Consistency", consistency);
        }

        using var response = await client.SendAsync(request);
        var data = await Envelopes.SuccessAsync(response);
        Assert.Equal(consistency?.ToLowerInvariant() ?? "eventual", response.Headers.GetValues("X-Consistency").Single());
        return data.GetProperty("name").GetString();
    }
}
