using System.Diagnostics;
using Npgsql;
using Smackdab.Inventory.Tests.Integration.TestHost;

namespace Smackdab.Inventory.Tests.Integration.Resilience;

public sealed class SlowDatabaseFixture : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await TestOnlyApi.StartAsync(new Dictionary<string, string?> { ["Database:CommandTimeoutSeconds"] = "1" });
        Tenant = await Tenant.CreateAsync(Api);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

/// <summary>A query over Database:CommandTimeoutSeconds is a prompt 503 with Retry-After, never a hang.</summary>
public sealed class DatabaseTimeoutTests(SlowDatabaseFixture fixture) : IClassFixture<SlowDatabaseFixture>
{
    [Fact]
    public async Task A_query_over_the_command_timeout_is_503_service_unavailable_with_retry_after()
    {
        using var client = fixture.Tenant.Client(fixture.Api);
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/v1/test-only/slow");
        clock.Stop();

        await Envelopes.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");

        // The API is fine afterwards.
        using var next = await client.GetAsync("/v1/products");
        await Envelopes.ListAsync(next);
    }

    [Fact]
    public async Task A_keyed_mutation_that_times_out_is_503_and_stores_no_record()
    {
        using var client = fixture.Tenant.Client(fixture.Api);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/test-only/slow");
        request.Headers.Add("Idempotency-Key", "slow-1");
        using var response = await client.SendAsync(request);
        await Envelopes.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.NotNull(response.Headers.RetryAfter);

        await using var connection = new NpgsqlConnection(fixture.Api.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM idempotency_records WHERE key = 'slow-1'", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
