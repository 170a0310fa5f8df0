using Npgsql;
using Smackdab.Inventory.Tests.Support.Servers;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// The API as a real process (dotnet Smackdab.Inventory.Api.dll) under keyed-write load: SIGTERM drains it, SIGKILL of
/// one of two instances leaves the other serving and doing the background work; nothing is lost or done twice.
/// </summary>
public sealed class ProcessLifecycleTests(ITestOutputHelper output)
{
    private const int ShutdownTimeoutSeconds = 10;
    private const int CommandTimeoutSeconds = 10;
    private const int ConnectionTimeoutSeconds = 5;
    // The tight bounds on latency are proven in process by DependencyFaultTests; across processes on a busy machine the first
    // requests to a fresh process (JIT) are slow, so here the bound only says "no request ran into the client's 60 s timeout".
    private static readonly TimeSpan MaxLatency = TimeSpan.FromSeconds(55);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan WebhookDrainTimeout = TimeSpan.FromSeconds(120);

    private static readonly Dictionary<string, string> Settings = new(WebhookTap.ProcessSettings)
    {
        ["Hosting__ShutdownTimeoutSeconds"] = ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Database__CommandTimeoutSeconds"] = CommandTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Database__ConnectionTimeoutSeconds"] = ConnectionTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Ledger__HoldExpiryIntervalSeconds"] = "0.5",
    };

    [Fact]
    public async Task Sigterm_under_load_finishes_requests_in_flight_exits_in_time_and_the_next_start_releases_the_holds_left_behind()
    {
        await using var fleet = await ProcessFleet.CreateAsync(Settings);
        var first = await fleet.StartInstanceAsync();
        await fleet.SeedAsync(first);
        var current = fleet.ClientFor(first);
        await using var webhooks = await WebhookTap.StartAsync(current, fleet.ConnectionString, fleet.OrganizationId);
        var load = new KeyedWriteLoad(_ => Volatile.Read(ref current), fleet.ProductId, fleet.LocationId);
        load.Start();

        await Task.Delay(TimeSpan.FromSeconds(1));
        // Holds that expire only after the first process is gone: the next start must release them.
        var holds = await fleet.PrepareHoldsAsync(current, count: 10, ttlSeconds: 3);

        // Requests pile up behind a held lock, so that some are surely in flight when SIGTERM arrives.
        await using var locker = await LockBalancesAsync(fleet.ConnectionString);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var sigterm = load.Now;
        await first.TerminateAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await locker.DisposeAsync();
        var exited = await first.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
        var exitAfter = load.Now - sigterm;
        Assert.True(exited, $"still running {exitAfter} after SIGTERM:\n{first.Output}");
        Assert.True(first.ExitCode == 0, $"exit code {first.ExitCode}:\n{first.Output}");

        var second = await fleet.StartInstanceAsync();
        var back = load.Now;
        Volatile.Write(ref current, fleet.ClientFor(second));
        var recovered = await load.WaitForSuccessAfterAsync(back, RecoveryTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        var inFlight = load.Attempts.Where(a => a.StartedAt < sigterm && a.StartedAt + a.Elapsed > sigterm).ToList();
        output.WriteLine($"SIGTERM: {inFlight.Count} requests in flight, {inFlight.Count(a => a.Status is >= 200 and < 300)} finished with 2xx; exited after {exitAfter.TotalSeconds:0.00} s (limit {ShutdownTimeoutSeconds} s), exit code {first.ExitCode}");
        Assert.NotEmpty(inFlight);
        Assert.All(inFlight, a => Assert.True(a.Status is >= 200 and < 300, $"in flight at SIGTERM but not finished: {a}"));
        Assert.True(exitAfter < TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 3), $"exit took {exitAfter}");

        // A stopping instance finishes and records the attempts it started: no webhook is sent twice.
        var delivered = await webhooks.DrainAsync(load.UtcAt(load.Now), WebhookDrainTimeout, redeliveryWindow: null);
        var report = await FaultReport.BuildAsync(load, fleet.ConnectionString, "SIGTERM under load, then a new start", sigterm, back, recovered, delivered);
        report.AssertHeld(output, MaxLatency, load.Attempts, allowNoAnswer: true);

        var statuses = await fleet.WaitForHoldsReleasedAsync(holds, RecoveryTimeout);
        Assert.All(holds, id => Assert.Equal("expired", statuses[id]));
        await AssertConsistentAsync(fleet, current, load);
    }

    [Fact]
    public async Task Sigkill_of_one_of_two_instances_under_load_leaves_the_other_serving_and_releasing_every_hold_once()
    {
        await using var fleet = await ProcessFleet.CreateAsync(Settings);
        var startA = fleet.StartInstanceAsync();
        var startB = fleet.StartInstanceAsync();
        var (a, b) = (await startA, await startB);
        await fleet.SeedAsync(a);
        var clientA = fleet.ClientFor(a);
        var clientB = fleet.ClientFor(b);
        await using var webhooks = await WebhookTap.StartAsync(clientA, fleet.ConnectionString, fleet.OrganizationId);

        // Both instances run hold expiry; these expire while both are alive (SKIP LOCKED shares them out).
        var holds = await fleet.PrepareHoldsAsync(clientA, count: 10, ttlSeconds: 1);
        var aDead = false;
        var load = new KeyedWriteLoad(w => Volatile.Read(ref aDead) || w % 2 == 1 ? clientB : clientA, fleet.ProductId, fleet.LocationId);
        load.Start();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        // These expire after A is gone: only B can release them.
        holds.AddRange(await fleet.PrepareHoldsAsync(clientB, count: 10, ttlSeconds: 2));

        // New requests go to B from here on; the kill (a child `kill` process, slow on a loaded machine) comes after.
        Volatile.Write(ref aDead, true);
        var killedAt = load.Now;
        await a.KillAsync();
        Assert.True(await a.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        var aGone = load.Now;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await load.StopAsync();

        // Everything sent after the kill went to B and was served.
        var afterKill = load.Attempts.Where(x => x.StartedAt > killedAt + TimeSpan.FromMilliseconds(100)).ToList();
        output.WriteLine($"SIGKILL of A: {afterKill.Count} requests afterwards, all to B, {afterKill.Count(x => x.Status is >= 200 and < 300)} 2xx");
        Assert.NotEmpty(afterKill);
        Assert.All(afterKill, x => Assert.True(x.Status is >= 200 and < 300, $"B did not serve: {x}"));

        var firstAfter = afterKill.Where(x => x.Status is >= 200 and < 300).Select(x => (TimeSpan?)(x.StartedAt + x.Elapsed)).Min();
        // An attempt A had sent but not recorded when it died is sent again by B once its lease lapses.
        var delivered = await webhooks.DrainAsync(
            load.UtcAt(load.Now), WebhookDrainTimeout, (load.UtcAt(killedAt) - TimeSpan.FromSeconds(3), load.UtcAt(aGone) + TimeSpan.FromSeconds(1)));
        var report = await FaultReport.BuildAsync(load, fleet.ConnectionString, "two instances, SIGKILL of one", killedAt, killedAt, firstAfter, delivered);
        report.AssertHeld(output, MaxLatency, load.Attempts, allowNoAnswer: true, noAnswerMayHaveCommitted: true);

        var statuses = await fleet.WaitForHoldsReleasedAsync(holds, RecoveryTimeout);
        Assert.All(holds, id => Assert.Equal("expired", statuses[id]));
        await AssertConsistentAsync(fleet, clientB, load);
    }

    /// <summary>Every hold released exactly once (allocated back to 0), on_hand = opening stock + the load's receipts, audit clean.</summary>
    private static async Task AssertConsistentAsync(ProcessFleet fleet, HttpClient client, KeyedWriteLoad load)
    {
        var ledger = await LedgerRows.ByReferenceAsync(fleet.ConnectionString, load.ProductId);
        var (onHand, allocated, consistent, audit) = await fleet.CheckAsync(client);
        Assert.True(consistent, audit);
        Assert.Equal(0m, allocated);
        Assert.Equal(1000 + ledger.Sum(r => r.Value.Count), (int)onHand);
    }

    /// <summary>An exclusive lock on the balances, held on the test's own connection until disposed.</summary>
    private static async Task<IAsyncDisposable> LockBalancesAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
#pragma warning disable RS0030 // a raw connection outside the API that holds a table lock on purpose
        var transaction = await connection.BeginTransactionAsync();
#pragma warning restore RS0030
        await using (var command = new NpgsqlCommand("LOCK TABLE inventory_balances IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new HeldLock(connection, transaction);
    }

    private sealed class HeldLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                await transaction.RollbackAsync();
                await connection.DisposeAsync();
            }
        }
    }
}
