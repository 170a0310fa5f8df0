using Npgsql;
using Xunit.Abstractions;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// Two API processes on one database; the one running an export job dies by SIGKILL mid-job. The survivor takes the job
/// over when its lease lapses and completes it once: one file with every record, no duplicate.
/// </summary>
public sealed class ExportTakeoverTests(ITestOutputHelper output)
{
    private const int LeaseSeconds = 5;

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Exports__LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Exports__PollIntervalSeconds"] = "1",
        ["Database__CommandTimeoutSeconds"] = "60",
    };

    [Fact]
    public async Task An_export_whose_instance_is_killed_mid_job_is_completed_once_by_the_other_instance()
    {
        await using var fleet = await ProcessFleet.CreateAsync(Settings);
        var a = await fleet.StartInstanceAsync();
        await fleet.SeedAsync(a);
        var clientA = fleet.ClientFor(a);
        const int receipts = 30;
        for (var i = 0; i < receipts; i++)
        {
            using var receipt = await PostKeyedAsync(clientA, "/v1/inventory/transactions", new
            {
                transaction_type = "receipt", product_id = fleet.ProductId, location_id = fleet.LocationId, quantity = new { value = 1 },
            });
            await Envelopes.SuccessAsync(receipt, HttpStatusCode.Created);
        }

        // The ledger is locked, so the job A claims cannot get past its first read: A is surely mid-job when it dies.
        await using var connection = new NpgsqlConnection(fleet.ConnectionString);
        await connection.OpenAsync();
#pragma warning disable RS0030 // a raw connection outside the API that holds a table lock on purpose
        var locker = await connection.BeginTransactionAsync();
#pragma warning restore RS0030
        await using (var command = new NpgsqlCommand("LOCK TABLE inventory_transactions IN ACCESS EXCLUSIVE MODE", connection, locker))
        {
            await command.ExecuteNonQueryAsync();
        }

        using var start = await PostKeyedAsync(clientA, "/v1/inventory/exports", new { format = "ndjson", data_type = "transactions" });
        var started = await Envelopes.SuccessAsync(start, HttpStatusCode.Accepted);
        var exportId = started.GetProperty("export_id").GetString()!;
        var ownerOfA = await WaitForLeaseOwnerAsync(fleet.ConnectionString, exportId, TimeSpan.FromSeconds(30));
        Assert.Contains($":{a.ProcessId}:", ownerOfA, StringComparison.Ordinal);

        var b = await fleet.StartInstanceAsync();
        var clientB = fleet.ClientFor(b);
        await a.KillAsync();
        Assert.True(await a.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        var killedAt = DateTime.UtcNow;
        await locker.RollbackAsync();

        var done = await Sync.ExportKit.WaitAsync(clientB, exportId);
        var takeover = DateTime.UtcNow - killedAt;
        var lines = System.Text.Encoding.UTF8.GetString(await Sync.ExportKit.DownloadAsync(clientB, done)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("transaction_id").GetString()).ToList();
        var (attempts, leaseOwner) = await JobRowAsync(fleet.ConnectionString, exportId);
        output.WriteLine($"Export {exportId}: claimed by A ({ownerOfA}), A killed, completed by B {takeover.TotalSeconds:0.0} s later (lease {LeaseSeconds} s); attempts {attempts}, {lines.Length} records");

        Assert.Equal(receipts + 1, lines.Length);
        Assert.Equal(lines.Length, ids.Distinct().Count());
        Assert.Equal(done.GetProperty("record_count").GetInt64(), lines.Length);
        Assert.Equal(2, attempts);
        Assert.Null(leaseOwner);
    }

    private static async Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", "takeover-" + Guid.NewGuid().ToString("N"));
        return await client.SendAsync(request);
    }

    private static async Task<string> WaitForLeaseOwnerAsync(string connectionString, string exportId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (_, owner) = await JobRowAsync(connectionString, exportId);
            if (owner is not null)
            {
                return owner;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no instance claimed {exportId} within {timeout}");
            await Task.Delay(100);
        }
    }

    private static async Task<(int Attempts, string? LeaseOwner)> JobRowAsync(string connectionString, string exportId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT attempts, lease_owner FROM export_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", exportId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no export_jobs row {exportId}");
        return (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}
