using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Domain.Features.Idempotency;
using Smackdab.Inventory.Tests.Integration.TestHost;

namespace Smackdab.Inventory.Tests.Integration.Idempotency;

/// <summary>Decorates the real store: when armed, fails right after the record is written and before the commit, like a crash.</summary>
public sealed class CrashAfterSave(IdempotencyStore inner, CrashSwitch crash) : IIdempotencyStore
{
    public Task<bool> TryLockAsync(string organizationId, string credentialId, string endpoint, string key, CancellationToken ct) =>
        inner.TryLockAsync(organizationId, credentialId, endpoint, key, ct);

    public Task<IdempotencyRecord?> FindAsync(string organizationId, string credentialId, string endpoint, string key, DateTime now, CancellationToken ct) =>
        inner.FindAsync(organizationId, credentialId, endpoint, key, now, ct);

    public async Task SaveAsync(IdempotencyRecord record, DateTime now, CancellationToken ct)
    {
        await inner.SaveAsync(record, now, ct);
        if (crash.Take())
        {
            throw new InvalidOperationException("simulated crash between the idempotency record and the commit");
        }
    }

    public Task<bool> RequiresKeyForInventoryAsync(string organizationId, CancellationToken ct) => inner.RequiresKeyForInventoryAsync(organizationId, ct);

    public Task<int> DeleteExpiredAsync(DateTime now, int batchSize, CancellationToken ct) => inner.DeleteExpiredAsync(now, batchSize, ct);
}

public sealed class CrashSwitch
{
    private int _armed;

    public void Arm() => Interlocked.Exchange(ref _armed, 1);

    public bool Take() => Interlocked.Exchange(ref _armed, 0) == 1;
}

public sealed class SafetyHostFixture : IAsyncLifetime
{
    public CrashSwitch Crash { get; } = new();

    public ManualTimeProvider Clock { get; } = new();

    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await TestOnlyApi.StartAsync(
            new Dictionary<string, string?> { ["Idempotency:CleanupBatchSize"] = "2" },
            services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.AddSingleton(Crash);
                services.AddScoped<IdempotencyStore>();
                services.AddScoped<IIdempotencyStore>(sp => new CrashAfterSave(sp.GetRequiredService<IdempotencyStore>(), sp.GetRequiredService<CrashSwitch>()));
            });
        Tenant = await Tenant.CreateAsync(Api);
    }

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

/// <summary>The record and the effect commit together or not at all; keys expire after the TTL and are cleaned up. Uses a moved clock.</summary>
[Collection(nameof(SafetyHostCollection))]
public sealed class IdempotencySafetyTests(SafetyHostFixture fixture)
{
    private static string NewKey() => "idem_" + Guid.NewGuid().ToString("N");

    private HttpClient Client() => fixture.Tenant.Client(fixture.Api);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private async Task<long> CountRecordsAsync(string? key = null)
    {
        await using var connection = new NpgsqlConnection(fixture.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM idempotency_records WHERE organization_id = @org AND (@key::text IS NULL OR key = @key)", connection);
        command.Parameters.AddWithValue("org", fixture.Tenant.OrganizationId);
        command.Parameters.Add(new NpgsqlParameter("key", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)key ?? DBNull.Value });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<int> CountProductsAsync(HttpClient client, string sku)
    {
        using var list = await client.GetAsync($"/v1/products?q={sku}");
        return (await Envelopes.ListAsync(list)).Items.EnumerateArray().Count(p => p.GetProperty("sku").GetString() == sku);
    }

    [Fact]
    public async Task A_crash_after_the_record_is_written_leaves_neither_the_record_nor_the_effect()
    {
        using var client = Client();
        var key = NewKey();
        fixture.Crash.Arm();
        using var crashed = await PostAsync(client, "/v1/products", new { sku = "CRASH-1", name = "Widget" }, key);
        await Envelopes.ErrorAsync(crashed, HttpStatusCode.InternalServerError, "INTERNAL_ERROR");

        Assert.Equal(0, await CountProductsAsync(client, "CRASH-1"));
        Assert.Equal(0, await CountRecordsAsync(key));

        // The client's retry with the same key is the first real attempt.
        using var retried = await PostAsync(client, "/v1/products", new { sku = "CRASH-1", name = "Widget" }, key);
        await Envelopes.SuccessAsync(retried, HttpStatusCode.Created);
        Assert.Equal(1, await CountProductsAsync(client, "CRASH-1"));
        Assert.Equal(1, await CountRecordsAsync(key));
    }

    [Fact]
    public async Task An_action_that_fails_after_its_effect_leaves_neither_the_effect_nor_a_record()
    {
        using var client = Client();
        var key = NewKey();
        using var failed = await PostAsync(client, "/v1/test-only/create-then-fail", new { sku = "CRASH-2", name = "Widget" }, key);
        await Envelopes.ErrorAsync(failed, HttpStatusCode.InternalServerError, "INTERNAL_ERROR");

        Assert.Equal(0, await CountProductsAsync(client, "CRASH-2"));
        Assert.Equal(0, await CountRecordsAsync(key));
    }

    [Fact]
    public async Task After_the_ttl_the_key_can_be_used_for_a_new_request()
    {
        using var client = Client();
        var key = NewKey();
        using var first = await PostAsync(client, "/v1/products", new { sku = "TTL-1", name = "Widget" }, key);
        await Envelopes.SuccessAsync(first, HttpStatusCode.Created);

        fixture.Clock.Advance(TimeSpan.FromHours(23));
        using var stillStored = await PostAsync(client, "/v1/products", new { sku = "TTL-2", name = "Widget" }, key);
        await Envelopes.ErrorAsync(stillStored, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");

        fixture.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using var reused = await PostAsync(client, "/v1/products", new { sku = "TTL-2", name = "Widget" }, key);
        await Envelopes.SuccessAsync(reused, HttpStatusCode.Created);
        using var replay = await PostAsync(client, "/v1/products", new { sku = "TTL-2", name = "Widget" }, key);
        await Envelopes.SuccessAsync(replay, HttpStatusCode.OK);
        Assert.Equal(1, await CountRecordsAsync(key));
    }

    [Fact]
    public async Task Cleanup_deletes_expired_records_in_batches_and_keeps_live_ones()
    {
        using var client = Client();
        for (var i = 0; i < 5; i++)
        {
            using var response = await PostAsync(client, "/v1/products", new { sku = $"CLEAN-{i}", name = "Widget" }, NewKey());
            await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        }

        fixture.Clock.Advance(TimeSpan.FromHours(25));
        var liveKey = NewKey();
        using var live = await PostAsync(client, "/v1/products", new { sku = "CLEAN-LIVE", name = "Widget" }, liveKey);
        await Envelopes.SuccessAsync(live, HttpStatusCode.Created);
        Assert.True(await CountRecordsAsync() >= 6);

        // Batch size 2 in this host: several DELETE statements, one pass.
        var deleted = await fixture.Api.Services.GetRequiredService<IdempotencyCleanupService>().RunOnceAsync(CancellationToken.None);

        Assert.True(deleted >= 5, $"deleted {deleted}");
        Assert.Equal(1, await CountRecordsAsync());
        Assert.Equal(1, await CountRecordsAsync(liveKey));
    }
}

[CollectionDefinition(nameof(SafetyHostCollection))]
public sealed class SafetyHostCollection : ICollectionFixture<SafetyHostFixture>;
