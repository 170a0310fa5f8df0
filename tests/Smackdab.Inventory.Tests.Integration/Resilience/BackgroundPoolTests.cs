using Npgsql;

namespace Smackdab.Inventory.Tests.Integration.Resilience;

/// <summary>Background workers use a pool of their own (application name "…-worker", Database:BackgroundMaxPoolSize), apart from requests.</summary>
public sealed class BackgroundPoolTests
{
    [Fact]
    public async Task Workers_connect_under_their_own_application_name_and_pool_size_and_requests_do_not()
    {
        await using var api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Database:BackgroundMaxPoolSize"] = "2",
            ["Ledger:HoldExpiryIntervalSeconds"] = "0.2",
            ["Imports:PollIntervalSeconds"] = "1",
            ["Exports:PollIntervalSeconds"] = "1",
        });
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        using (var response = await client.GetAsync("/v1/products"))
        {
            await Envelopes.ListAsync(response);
        }

        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString).Database;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        List<string> names;
        while (true)
        {
            names = await ApplicationNamesAsync(api.ConnectionString, database!);
            if (names.Contains("smackdab-api-worker") || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Contains("smackdab-api-worker", names);
        Assert.True(names.Count(name => name == "smackdab-api-worker") <= 2, string.Join(", ", names));
        // The request's pooled connection stays open (idle) under the request pool's name, which is not the workers'.
        Assert.Contains(names, name => name != "smackdab-api-worker" && name != "background-pool-test");
    }

    private static async Task<List<string>> ApplicationNamesAsync(string connectionString, string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "background-pool-test", Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(application_name, '') FROM pg_stat_activity WHERE datname = @database AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue("database", database);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
