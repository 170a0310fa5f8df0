using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>Export jobs over HTTP: 202 and polling, the three formats, gzip, AES-256-GCM, snapshots, retention, tenancy.</summary>
public sealed class ExportTests
{
    [Fact]
    public async Task Query_export_answers_202_with_the_spec_body_and_completes_with_a_downloadable_json_file()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("EXP-WIDGET-1");
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 100, unitCost: new { amount = 25.50m, currency = "USD" });
        await kit.BookAsync("shipment", product, location, 30);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");

        using var response = await kit.Client.GetAsync($"/v1/inventory/export?format=json&start_date={today}&end_date={today}");
        var started = await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted);
        var id = started.GetProperty("export_id").GetString()!;
        Assert.StartsWith("exp_", id);
        Assert.Equal("processing", started.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, started.GetProperty("download_url").ValueKind);
        Assert.True(started.GetProperty("estimated_completion").GetDateTime() > DateTime.UtcNow.AddMinutes(-1));
        Assert.Equal($"/v1/inventory/exports/{id}", response.Headers.Location!.OriginalString);

        var done = await ExportKit.WaitAsync(kit.Client, id);
        Assert.Equal($"/v1/exports/{id}/download", done.GetProperty("download_url").GetString());
        Assert.Equal(2, done.GetProperty("record_count").GetInt64());
        Assert.True(done.GetProperty("file_size").GetInt64() > 0);
        Assert.Equal(100, done.GetProperty("progress").GetProperty("percent").GetInt32());
        Assert.True(done.GetProperty("completed_at").GetDateTime() >= done.GetProperty("created_at").GetDateTime());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("encryption_key").ValueKind);

        var file = JsonDocument.Parse(await ExportKit.DownloadAsync(kit.Client, done)).RootElement;
        Assert.Equal(id, file.GetProperty("export_metadata").GetProperty("export_id").GetString());
        Assert.Equal(2, file.GetProperty("export_metadata").GetProperty("record_count").GetInt64());
        var records = file.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(["receipt", "shipment"], records.Select(r => r.GetProperty("transaction_type").GetString()));
        Assert.All(records, r => Assert.Equal("EXP-WIDGET-1", r.GetProperty("sku").GetString()));
        Assert.Equal(25.5m, records[0].GetProperty("unit_cost").GetDecimal());
        Assert.Equal(-30m, records[1].GetProperty("quantity_change").GetDecimal());
    }

    [Fact]
    public async Task Gzipped_csv_export_of_balances_holds_every_balance()
    {
        var kit = await StockKit.NewTenantAsync();
        var location = await kit.LocationAsync();
        var products = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var product = await kit.ProductAsync($"CSV-{i}");
            products.Add(product);
            await kit.BookAsync("receipt", product, location, 10 + i);
        }

        var started = await ExportKit.StartAsync(kit.Client, new { format = "csv", data_type = "balances", compression = "gzip" });
        var done = await ExportKit.WaitAsync(kit.Client, started.GetProperty("export_id").GetString()!);
        var bytes = await ExportKit.DownloadAsync(kit.Client, done);
        Assert.Equal(0x1f, bytes[0]);
        var rows = ExportKit.ReadCsv(ExportKit.Gunzip(bytes));
        Assert.Equal(5, rows.Count);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"CSV-{i}"), rows.Select(r => r["sku"]));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (10 + i).ToString()), rows.Select(r => decimal.Parse(r["on_hand"], System.Globalization.CultureInfo.InvariantCulture).ToString("0")));
    }

    [Fact]
    public async Task Encrypted_export_shows_its_key_once_decrypts_with_it_and_fails_with_another()
    {
        var kit = await StockKit.NewTenantAsync();
        var location = await kit.LocationAsync();
        var product = await kit.ProductAsync("ENC-1");
        await kit.BookAsync("receipt", product, location, 7);

        var started = await ExportKit.StartAsync(kit.Client, new { format = "ndjson", data_type = "transactions", encryption = "aes256", compression = "gzip" });
        var key = Convert.FromBase64String(started.GetProperty("encryption_key").GetString()!);
        Assert.Equal(32, key.Length);
        Assert.Equal("aes256", started.GetProperty("encryption").GetString());
        var id = started.GetProperty("export_id").GetString()!;

        var done = await ExportKit.WaitAsync(kit.Client, id);
        Assert.Equal(JsonValueKind.Null, done.GetProperty("encryption_key").ValueKind);
        var cipher = await ExportKit.DownloadAsync(kit.Client, done);
        Assert.DoesNotContain("ENC-1"u8.ToArray(), cipher.Chunk(5).Select(c => c.ToArray()));

        using var plain = new MemoryStream();
        await ExportCipher.DecryptAsync(new MemoryStream(cipher), plain, key, CancellationToken.None);
        var lines = System.Text.Encoding.UTF8.GetString(ExportKit.Gunzip(plain.ToArray())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var record = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("ENC-1", record.GetProperty("sku").GetString());
        Assert.Equal(7m, record.GetProperty("quantity").GetDecimal());

        var wrongKey = RandomNumberGenerator.GetBytes(32);
        await Assert.ThrowsAnyAsync<CryptographicException>(() => ExportCipher.DecryptAsync(new MemoryStream(cipher), new MemoryStream(), wrongKey, CancellationToken.None));
        var truncated = cipher[..^20];
        await Assert.ThrowsAnyAsync<Exception>(() => ExportCipher.DecryptAsync(new MemoryStream(truncated), new MemoryStream(), key, CancellationToken.None));
    }

    [Fact]
    public async Task An_export_is_one_snapshot_while_receipts_keep_arriving()
    {
        var kit = await StockKit.NewTenantAsync();
        var location = await kit.LocationAsync();
        var product = await kit.ProductAsync();
        await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = Enumerable.Range(0, 400).Select(_ => new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 1 } }),
        });

        var writers = Task.WhenAll(Enumerable.Range(0, 40).Select(_ => kit.BookAsync("receipt", product, location, 1)));
        var started = await ExportKit.StartAsync(kit.Client, new { format = "ndjson" });
        await writers;
        var done = await ExportKit.WaitAsync(kit.Client, started.GetProperty("export_id").GetString()!);

        var lines = System.Text.Encoding.UTF8.GetString(await ExportKit.DownloadAsync(kit.Client, done)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(done.GetProperty("record_count").GetInt64(), lines.Length);
        // Rows are in ledger order and each one's on_hand follows from the rows before it: no row missing from the middle.
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("transaction_id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.InRange(lines.Length, 400, 440);
    }

    [Theory]
    [InlineData("/v1/inventory/export?format=xml", "format")]
    [InlineData("/v1/inventory/export?data_type=orders", "data_type")]
    [InlineData("/v1/inventory/export?compression=zip", "compression")]
    [InlineData("/v1/inventory/export?encryption=rot13", "encryption")]
    [InlineData("/v1/inventory/export?start_date=yesterday", "start_date")]
    [InlineData("/v1/inventory/export?start_date=2025-02-01&end_date=2025-01-01", "end_date")]
    [InlineData("/v1/inventory/export?retention_days=0", "retention_days")]
    [InlineData("/v1/inventory/export?retention_days=100000", "retention_days")]
    public async Task Bad_export_options_are_400_with_the_field(string url, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.GetAsync(url);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Bad_export_bodies_are_400_envelopes()
    {
        var kit = await StockKit.NewTenantAsync();
        using var unknown = await kit.Client.PostAsJsonAsync("/v1/inventory/exports", new { format = "csv", owner = "x" });
        await Envelopes.ErrorAsync(unknown, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var wrongType = await kit.Client.PostAsync("/v1/inventory/exports", new StringContent("{\"retention_days\":\"ten\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        using var notReady = await kit.Client.GetAsync("/v1/exports/exp_doesnotexist00000/download");
        await Envelopes.ErrorAsync(notReady, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Another_organization_cannot_see_list_or_download_an_export()
    {
        var api = await SharedApi.GetAsync();
        var owner = await StockKit.NewTenantAsync(api);
        var other = await StockKit.NewTenantAsync(api);
        await owner.BookAsync("receipt", await owner.ProductAsync("SECRET-EXPORT"), await owner.LocationAsync(), 3);
        var started = await ExportKit.StartAsync(owner.Client, new { format = "csv" });
        var id = started.GetProperty("export_id").GetString()!;
        var done = await ExportKit.WaitAsync(owner.Client, id);

        using var get = await other.Client.GetAsync($"/v1/inventory/exports/{id}");
        await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        using var download = await other.Client.GetAsync(done.GetProperty("download_url").GetString());
        await Envelopes.ErrorAsync(download, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await other.Client.GetAsync("/v1/inventory/exports");
        var (items, pagination) = await Envelopes.ListAsync(list);
        Assert.Equal(0, items.GetArrayLength());
        Assert.Equal(0, pagination.GetProperty("total").GetInt32());

        using var ownList = await owner.Client.GetAsync("/v1/inventory/exports?status=completed");
        var (ownItems, _) = await Envelopes.ListAsync(ownList);
        Assert.Equal(id, Assert.Single(ownItems.EnumerateArray()).GetProperty("export_id").GetString());
    }

    [Fact]
    public async Task Files_past_retention_are_removed_and_the_export_expires()
    {
        var api = await SharedApi.GetAsync();
        var kit = await StockKit.NewTenantAsync(api);
        await kit.BookAsync("receipt", await kit.ProductAsync(), await kit.LocationAsync(), 3);
        var started = await ExportKit.StartAsync(kit.Client, new { format = "json", retention_days = 1 });
        var id = started.GetProperty("export_id").GetString()!;
        var done = await ExportKit.WaitAsync(kit.Client, id);
        Assert.Equal(done.GetProperty("completed_at").GetDateTime().AddDays(1), done.GetProperty("expires_at").GetDateTime());

        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("UPDATE export_jobs SET expires_at = now() - interval '1 minute' WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", id);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var runner = api.Services.GetRequiredService<ExportRunner>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement current;
        do
        {
            await runner.ExpireDueAsync(100, CancellationToken.None);
            using var response = await kit.Client.GetAsync($"/v1/inventory/exports/{id}");
            current = await Envelopes.SuccessAsync(response);
        }
        while (current.GetProperty("status").GetString() != "expired" && DateTime.UtcNow < deadline);

        Assert.Equal("expired", current.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, current.GetProperty("download_url").ValueKind);
        using var download = await kit.Client.GetAsync($"/v1/exports/{id}/download");
        await Envelopes.ErrorAsync(download, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Two_instances_share_the_queue_and_run_each_export_exactly_once()
    {
        await using var first = await ApiFactory.StartAsync(new Dictionary<string, string?> { ["Exports:PollIntervalSeconds"] = "1" });
        await using var second = ApiFactory.StartAnotherInstance(first, new Dictionary<string, string?> { ["Exports:PollIntervalSeconds"] = "1" });
        var kit = await StockKit.NewTenantAsync(first);
        await kit.BookAsync("receipt", await kit.ProductAsync(), await kit.LocationAsync(), 3);
        // Both hosts must be running their workers before the jobs exist.
        _ = second.Server;

        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await ExportKit.StartAsync(kit.Client, new { format = i % 2 == 0 ? "csv" : "json" })).GetProperty("export_id").GetString()!);
        }

        foreach (var id in ids)
        {
            await ExportKit.WaitAsync(kit.Client, id);
        }

        await using var connection = new NpgsqlConnection(first.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT attempts FROM export_jobs WHERE id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var attempts = new List<int>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                attempts.Add(reader.GetInt32(0));
            }
        }

        Assert.Equal(12, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(1, a));
    }
}
