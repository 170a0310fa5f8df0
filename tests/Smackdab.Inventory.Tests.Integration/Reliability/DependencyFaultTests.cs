using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Servers;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>A PostgreSQL cluster and a Redis server that only this class uses, so that stopping them disturbs no other test class.</summary>
public sealed class DedicatedServersFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = PostgresServer.StartDedicatedAsync();
        var redis = RedisServer.StartDedicatedAsync();
        Postgres = await postgres;
        Redis = await redis;
    }

    public async Task DisposeAsync()
    {
        Postgres?.Destroy();
        if (Redis is not null)
        {
            await Redis.StopAsync();
        }
    }
}

/// <summary>
/// Faults under concurrent keyed writes (a bounded loop over loopback HTTP): the database restarts or crashes, Redis dies
/// and comes back, the database is slow (a held table lock), the connection pool runs dry. During the fault the API answers
/// 503 SERVICE_UNAVAILABLE with Retry-After (or, for Redis, serves from its in-process fallback), never takes longer than its
/// configured timeouts, and recovers by itself; afterwards <see cref="FaultReport"/> checks the ledger against every answer.
/// </summary>
public sealed class DependencyFaultTests(DedicatedServersFixture servers, ITestOutputHelper output) : IClassFixture<DedicatedServersFixture>
{
    // Generous: CI machines and this shared one are busy; a hang would run into the 60 s client timeout.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(20);

    // Deliveries of one product go out one at a time (10–20 a second on a loaded machine); a redelivery waits for its lease (5 s).
    private static readonly TimeSpan WebhookDrainTimeout = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    public async Task Postgres_restart_under_keyed_writes_is_503_with_retry_after_then_recovers_with_nothing_lost_or_doubled(string mode)
    {
        await using var api = await StartApiAsync(commandTimeout: 5, connectionTimeout: 2);
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        await using var webhooks = await WebhookTap.StartAsync(kit.Client, api.ConnectionString, kit.Tenant.OrganizationId);
        var load = await StartLoadAsync(api, kit);

        await Task.Delay(TimeSpan.FromSeconds(1));
        var faultStart = load.Now;
        await servers.Postgres.StopAsync(mode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await servers.Postgres.StartAgainAsync();
        var back = load.Now;
        var recovered = await load.WaitForSuccessAfterAsync(back, RecoveryTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        var delivered = await DrainWebhooksAsync(webhooks, load, RedeliveryWindow(load, faultStart, recovered ?? back));
        var report = await FaultReport.BuildAsync(load, api.ConnectionString, $"postgres restart ({mode})", faultStart, back, recovered, delivered);
        report.AssertHeld(output, TimeSpan.FromSeconds(5 + 2) + Slack, load.Attempts, errorsMayHaveCommitted: mode == "immediate");
        Assert.True(report.DuringFault503 > 0, "the outage was never visible to a client: the test proved nothing");
        await AssertLedgerMatchesBalanceAsync(kit, api, load);
    }

    [Fact]
    public async Task Redis_killed_and_restarted_under_keyed_writes_keeps_serving_from_the_in_process_fallback_and_goes_back_to_redis()
    {
        await using var api = await StartApiAsync(commandTimeout: 5, connectionTimeout: 2);
        var limiter = api.Services.GetRequiredService<DistributedRateLimiter>();
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        await using var webhooks = await WebhookTap.StartAsync(kit.Client, api.ConnectionString, kit.Tenant.OrganizationId);
        var load = await StartLoadAsync(api, kit);

        await Task.Delay(TimeSpan.FromSeconds(1));
        // On a busy machine a slow Redis answer may already have tripped the breaker: start from a healthy limiter.
        Assert.True(await WaitUntilAsync(() => !limiter.IsDegraded), "the limiter never used Redis before the fault");
        var faultStart = load.Now;
        await servers.Redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var degradedDuringOutage = limiter.IsDegraded;
        await servers.Redis.StartAgainAsync();
        var back = load.Now;
        var recovered = await WaitUntilAsync(() => !limiter.IsDegraded) ? load.Now : (TimeSpan?)null;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        // Webhook delivery does not use Redis: a redelivery here would be a bug.
        var delivered = await DrainWebhooksAsync(webhooks, load, redeliveryWindow: null);
        var report = await FaultReport.BuildAsync(load, api.ConnectionString, "redis kill and restart", faultStart, back, recovered, delivered);
        report.AssertHeld(output, TimeSpan.FromSeconds(5 + 2) + Slack, load.Attempts);
        Assert.True(degradedDuringOutage, "the limiter never noticed Redis was gone: the test proved nothing");
        Assert.Equal(0, report.ServiceUnavailable);
        Assert.True(report.DuringFaultSuccess > 0, "nothing was served during the Redis outage");
        await AssertLedgerMatchesBalanceAsync(kit, api, load);
    }

    [Fact]
    public async Task A_held_table_lock_makes_writes_503_after_the_command_timeout_and_they_recover_when_it_is_released()
    {
        const int commandTimeout = 1, connectionTimeout = 2;
        await using var api = await StartApiAsync(commandTimeout, connectionTimeout);
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        await using var webhooks = await WebhookTap.StartAsync(kit.Client, api.ConnectionString, kit.Tenant.OrganizationId);
        var load = await StartLoadAsync(api, kit);

        await Task.Delay(TimeSpan.FromSeconds(1));
        var faultStart = load.Now;
        await HoldTableLockAsync(api.ConnectionString, TimeSpan.FromSeconds(3));
        var back = load.Now;
        var recovered = await load.WaitForSuccessAfterAsync(back, RecoveryTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        // The lock is on the balances, which the delivery worker never touches: a redelivery here would be a bug.
        var delivered = await DrainWebhooksAsync(webhooks, load, redeliveryWindow: null);
        var report = await FaultReport.BuildAsync(load, api.ConnectionString, "slow database (held table lock)", faultStart, back, recovered, delivered);
        report.AssertHeld(output, TimeSpan.FromSeconds(commandTimeout + connectionTimeout) + Slack, load.Attempts);
        Assert.True(report.DuringFault503 > 0, "no request waited for the lock: the test proved nothing");
        await AssertLedgerMatchesBalanceAsync(kit, api, load);
    }

    [Fact]
    public async Task An_exhausted_connection_pool_is_503_after_the_connection_timeout_and_recovers()
    {
        const int commandTimeout = 4, connectionTimeout = 1;
        await using var api = await StartApiAsync(commandTimeout, connectionTimeout, maxPoolSize: 3);
        var kit = new StockKit(api, await Tenant.CreateAsync(api));
        await using var webhooks = await WebhookTap.StartAsync(kit.Client, api.ConnectionString, kit.Tenant.OrganizationId);
        var load = await StartLoadAsync(api, kit);

        await Task.Delay(TimeSpan.FromSeconds(1));
        var faultStart = load.Now;
        // Three requests wait on the lock holding the pool's three connections; the others wait for a connection.
        await HoldTableLockAsync(api.ConnectionString, TimeSpan.FromSeconds(3));
        var back = load.Now;
        var recovered = await load.WaitForSuccessAfterAsync(back, RecoveryTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        // Background workers have a pool of their own (Database:BackgroundMaxPoolSize): the delivery worker always records.
        var delivered = await DrainWebhooksAsync(webhooks, load, redeliveryWindow: null);
        var report = await FaultReport.BuildAsync(load, api.ConnectionString, "connection pool exhausted (3 connections)", faultStart, back, recovered, delivered);
        report.AssertHeld(output, TimeSpan.FromSeconds(commandTimeout + connectionTimeout) + Slack, load.Attempts);
        // Answered after the pool wait, well before the command timeout: these never got a connection.
        var poolWaits = load.Attempts.Count(a => a.Status == 503 && a.Elapsed < TimeSpan.FromSeconds(commandTimeout - 0.5));
        output.WriteLine($"503s answered before the command timeout (pool wait): {poolWaits}");
        Assert.True(poolWaits > 0, "no request was refused for want of a connection: the pool was never exhausted");
        await AssertLedgerMatchesBalanceAsync(kit, api, load);
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return condition();
    }

    private Task<ApiFactory> StartApiAsync(int commandTimeout, int connectionTimeout, int maxPoolSize = 40) =>
        ApiFactory.StartAsync(
            new Dictionary<string, string?>(WebhookTap.ApiSettings)
            {
                ["Redis:Configuration"] = servers.Redis.Configuration,
                ["Redis:BreakerBreakSeconds"] = "1",
                // Above the 250 ms default: on a busy CI machine a slow answer is not an outage (a killed server is refused at once).
                ["Redis:OperationTimeoutMilliseconds"] = "1000",
                ["Database:CommandTimeoutSeconds"] = commandTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Database:ConnectionTimeoutSeconds"] = connectionTimeout.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Database:MaxPoolSize"] = maxPoolSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            server: servers.Postgres);

    private static async Task<KeyedWriteLoad> StartLoadAsync(ApiFactory api, StockKit kit)
    {
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var client = kit.Tenant.Client(api, autoIdempotencyKey: false);
        client.Timeout = TimeSpan.FromSeconds(60);
        var load = new KeyedWriteLoad(_ => client, product, location);
        load.Start();
        return load;
    }

    /// <summary>
    /// While the database is away the delivery worker may send a webhook and then fail to record it; the delivery is sent
    /// again when its lease lapses. Such a first request was sent up to an attempt's timeout before the fault, and may
    /// fail to be recorded until shortly after recovery (a stale pooled connection fails once).
    /// </summary>
    private static (DateTimeOffset, DateTimeOffset) RedeliveryWindow(KeyedWriteLoad load, TimeSpan faultStart, TimeSpan faultEnd) =>
        (load.UtcAt(faultStart) - TimeSpan.FromSeconds(2), load.UtcAt(faultEnd) + TimeSpan.FromSeconds(5));

    private static Task<WebhookDeliveryCheck> DrainWebhooksAsync(WebhookTap webhooks, KeyedWriteLoad load, (DateTimeOffset, DateTimeOffset)? redeliveryWindow) =>
        webhooks.DrainAsync(load.UtcAt(load.Now), WebhookDrainTimeout, redeliveryWindow);

    /// <summary>Takes an exclusive lock on the balances (every write needs them) on the test's own connection, holds it, releases it.</summary>
    private static async Task HoldTableLockAsync(string connectionString, TimeSpan hold)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "reliability-lock", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
#pragma warning disable RS0030 // a raw connection outside the API that holds a table lock on purpose
        await using var transaction = await connection.BeginTransactionAsync();
#pragma warning restore RS0030
        await using (var command = new NpgsqlCommand("LOCK TABLE inventory_balances IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await Task.Delay(hold);
        await transaction.RollbackAsync();
    }

    /// <summary>The balance equals the receipts in the ledger, and the audit recomputes every balance without a mismatch.</summary>
    private static async Task AssertLedgerMatchesBalanceAsync(StockKit kit, ApiFactory api, KeyedWriteLoad load)
    {
        var ledger = await LedgerRows.ByReferenceAsync(api.ConnectionString, load.ProductId);
        var (onHand, _, _) = await kit.BalanceAsync(load.ProductId, load.LocationId);
        Assert.Equal(ledger.Sum(r => r.Value.Count), (int)onHand);
        await kit.AssertAuditCleanAsync();
    }
}
