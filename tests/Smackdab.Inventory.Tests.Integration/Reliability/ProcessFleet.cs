using Npgsql;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Reliability;

/// <summary>
/// API child processes over one fresh database (on the shared server: these tests stop API processes, never PostgreSQL),
/// with an organization, a product and a location to write to, and clients that send the organization's credentials.
/// </summary>
public sealed class ProcessFleet : IAsyncDisposable
{
    private readonly List<ApiProcess> _processes = [];
    private readonly List<HttpClient> _clients = [];
    private readonly IReadOnlyDictionary<string, string> _settings;

    private ProcessFleet(string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        ConnectionString = connectionString;
        _settings = settings;
    }

    public string ConnectionString { get; }

    public string PlatformKey { get; } = "plat_" + PublicId.RandomToken(24);

    public string OrganizationId { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    public string ProductId { get; private set; } = "";

    public string LocationId { get; private set; } = "";

    public static async Task<ProcessFleet> CreateAsync(IReadOnlyDictionary<string, string> settings)
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync("smackdab_rel_" + PublicId.RandomToken(10).ToLowerInvariant());
        return new ProcessFleet(connectionString, settings);
    }

    /// <summary>Starts another instance over the same database.</summary>
    public async Task<ApiProcess> StartInstanceAsync()
    {
        var process = await ApiProcess.StartAsync(ConnectionString, PlatformKey, _settings);
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>Creates the organization, product and location through <paramref name="api"/>.</summary>
    public async Task SeedAsync(ApiProcess api)
    {
        using var platform = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/organizations") { Content = JsonContent.Create(new { name = "Reliability" }) };
        request.Headers.Add("X-API-Key", PlatformKey);
        using var created = await platform.SendAsync(request);
        var organization = await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        OrganizationId = organization.GetProperty("id").GetString()!;
        AdminKey = organization.GetProperty("api_key").GetProperty("secret").GetString()!;

        var client = ClientFor(api);
        ProductId = await CreateAsync(client, "/v1/products", new { sku = "REL-" + PublicId.RandomToken(8), name = "Reliability product" });
        LocationId = await CreateAsync(client, "/v1/locations", new { name = "Reliability warehouse" });
        using var stock = await PostKeyedAsync(client, "/v1/inventory/transactions", new
        {
            transaction_type = "receipt", product_id = ProductId, location_id = LocationId, quantity = new { value = 1000 }, reference = "OPENING",
        });
        await Envelopes.SuccessAsync(stock, HttpStatusCode.Created);
    }

    /// <summary>A client of <paramref name="api"/> with the organization's admin key (kept until the fleet is disposed).</summary>
    public HttpClient ClientFor(ApiProcess api)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-API-Key", AdminKey);
        client.DefaultRequestHeaders.Add("X-Organization-ID", OrganizationId);
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>Prepares <paramref name="count"/> two-phase holds of 1 that expire after <paramref name="ttlSeconds"/>; returns their ids.</summary>
    public async Task<List<string>> PrepareHoldsAsync(HttpClient client, int count, int ttlSeconds)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var response = await PostKeyedAsync(client, "/v1/inventory/transactions/prepare", new
            {
                operations = new[] { new { type = "debit", product_id = ProductId, location_id = LocationId, quantity = new { value = 1 } } },
                ttl_seconds = ttlSeconds,
            });
            ids.Add((await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("transaction_id").GetString()!);
        }

        return ids;
    }

    /// <summary>Waits until none of the holds is still prepared; returns the statuses found.</summary>
    public async Task<Dictionary<string, string>> WaitForHoldsReleasedAsync(IReadOnlyCollection<string> ids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var statuses = new Dictionary<string, string>();
            await using (var connection = new NpgsqlConnection(ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT id, status FROM inventory_holds WHERE id = ANY(@ids)", connection);
                command.Parameters.AddWithValue("ids", ids.ToArray());
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    statuses[reader.GetString(0)] = reader.GetString(1);
                }
            }

            if (statuses.Values.All(s => s != "prepared") || DateTime.UtcNow > deadline)
            {
                return statuses;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>on_hand and allocated of the product at the location, and whether the audit finds every balance consistent.</summary>
    public async Task<(decimal OnHand, decimal Allocated, bool AuditConsistent, string Audit)> CheckAsync(HttpClient client)
    {
        using var stock = await client.GetAsync($"/v1/products/{ProductId}/inventory");
        var (items, _) = await Envelopes.ListAsync(stock);
        var row = items.EnumerateArray().Single(r => r.GetProperty("location_id").GetString() == LocationId);
        using var audit = await client.GetAsync("/v1/inventory/audit");
        var report = await Envelopes.SuccessAsync(audit);
        return (row.GetProperty("on_hand").GetDecimal(), row.GetProperty("allocated").GetDecimal(), report.GetProperty("consistent").GetBoolean(), report.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    private static async Task<string> CreateAsync(HttpClient client, string path, object body)
    {
        using var response = await PostKeyedAsync(client, path, body);
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static Task<HttpResponseMessage> PostKeyedAsync(HttpClient client, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", "setup-" + Guid.NewGuid().ToString("N"));
        return client.SendAsync(request);
    }
}
