using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Domain.Features.Sync.Exports;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// A URL-import host (loopback targets allowed by the documented test switch Webhooks:AllowPrivateTargets, a 64 KiB size limit)
/// whose log is captured at the most verbose level, so that tests can prove a decryption key never reaches it.
/// </summary>
public sealed class DecodingImportHost : IAsyncLifetime
{
    public const int MaxBytes = 64 * 1024;

    public ApiFactory Api { get; private set; } = null!;

    public ImportSourceServer Source { get; private set; } = null!;

    public CapturedLog Log { get; } = new();

    public async Task InitializeAsync()
    {
        Source = await ImportSourceServer.StartAsync();
        Api = await ApiFactory.StartAsync(
            new Dictionary<string, string?>
            {
                ["Webhooks:AllowPrivateTargets"] = "true",
                // Long enough for a loaded CI machine; the hanging-source test waits it out once.
                ["Imports:UrlFetchTimeoutSeconds"] = "6",
                ["Imports:UrlFetchMaxAttempts"] = "1",
                ["Imports:UrlMaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Serilog:MinimumLevel:Default"] = "Verbose",
            },
            services => services.AddSingleton<Serilog.Core.ILogEventSink>(Log));
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>
/// A fetched file that is itself gzip-compressed, or an encrypted Smackdab export (AES-256-GCM, optionally with gzip inside),
/// is decoded in the worker before it is validated: gzip by its magic bytes, bounded on the decompressed side; the export
/// format with the request's encryption_key, which is stored encrypted, never logged or returned, and erased afterwards.
/// </summary>
public sealed class UrlImportDecodingTests(DecodingImportHost host) : IClassFixture<DecodingImportHost>
{
    [Theory]
    [InlineData("application/gzip")]
    [InlineData("application/octet-stream")]
    [InlineData("text/csv")]
    public async Task A_gzip_file_is_decompressed_whatever_its_content_type_says(string contentType)
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var csv = $"transaction_id,transaction_type,product_id,location_id,quantity\ngz_1,receipt,{product},{location},9\ngz_2,shipment,{product},{location},4\n";
        var url = host.Source.Url(ImportSourceServer.Bytes(Gzip(Encoding.UTF8.GetBytes(csv)), contentType));

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url });
        var done = await UrlImportTests.WaitAsync(kit.Client, id, "completed");
        Assert.Equal("gzip", done.GetProperty("source_encoding").GetString());
        Assert.Equal("csv", done.GetProperty("format").GetString());
        Assert.Equal((2L, 2L, 2L, 0L), ImportKit.Progress(done));
        Assert.Equal((5m, 0m, 5m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Json_inside_gzip_is_recognised_by_its_content_and_a_plain_file_reports_no_encoding()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var json = JsonSerializer.Serialize(new[] { new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 6, uom = "EACH" } } });
        var gz = await UrlImportTests.StartAsync(kit.Client, new { data_url = host.Source.Url(ImportSourceServer.Bytes(Gzip(Encoding.UTF8.GetBytes(json)), "application/gzip")) });
        var gzDone = await UrlImportTests.WaitAsync(kit.Client, gz, "completed");
        Assert.Equal("json", gzDone.GetProperty("format").GetString());

        var plain = await UrlImportTests.StartAsync(kit.Client, new { data_url = host.Source.Url(ImportSourceServer.File(json, "application/json")) });
        var plainDone = await UrlImportTests.WaitAsync(kit.Client, plain, "completed");
        Assert.Equal("none", plainDone.GetProperty("source_encoding").GetString());
        Assert.Equal((12m, 0m, 12m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task A_gzip_bomb_file_fails_the_import_with_file_too_large_once_the_decompressed_limit_is_passed()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        // 16 MiB of CSV-ish text compress to below the 64 KiB fetch limit; decompressed they are 256 times over it.
        var bomb = GzipRepeated("receipt,SKU-BOMB,loc,1\n"u8.ToArray(), 16 * 1024 * 1024);
        Assert.True(bomb.Length < DecodingImportHost.MaxBytes, $"compressed bomb is {bomb.Length} bytes");
        var url = host.Source.Url(ImportSourceServer.Bytes(bomb, "application/gzip"));

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url });
        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Equal($"The decoded file is larger than the limit of {DecodingImportHost.MaxBytes} bytes", failed.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
        var row = Assert.Single(await ErrorsAsync(kit, id));
        Assert.Equal("FILE_TOO_LARGE", row["error_type"]);
    }

    [Fact]
    public async Task A_gzip_bomb_sent_as_content_encoding_is_cut_off_at_the_limit_on_the_decoded_stream()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var bomb = GzipRepeated("receipt,SKU-BOMB,loc,1\n"u8.ToArray(), 16 * 1024 * 1024);
        var url = host.Source.Url(ImportSourceServer.Bytes(bomb, "text/csv", contentEncoding: "gzip"));

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url });
        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Equal($"The source's file is larger than the limit of {DecodingImportHost.MaxBytes} bytes", failed.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task Damaged_gzip_or_a_gzip_content_type_over_plain_bytes_fails_as_a_malformed_file()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var gz = Gzip(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("transaction_type,sku,location_id,quantity\n", 200))));
        var truncated = await UrlImportTests.StartAsync(kit.Client, new { data_url = host.Source.Url(ImportSourceServer.Bytes(gz[..(gz.Length / 2)], "application/gzip")) });
        var failed = await UrlImportTests.WaitAsync(kit.Client, truncated, "failed");
        Assert.Equal("The gzip data is damaged or truncated", failed.GetProperty("error").GetString());
        Assert.Equal("MALFORMED_FILE", Assert.Single(await ErrorsAsync(kit, truncated))["error_type"]);

        var liar = await UrlImportTests.StartAsync(kit.Client, new { data_url = host.Source.Url(ImportSourceServer.Bytes("a,b\n1,2\n"u8.ToArray(), "application/gzip")) });
        var refused = await UrlImportTests.WaitAsync(kit.Client, liar, "failed");
        Assert.Equal("The source said application/gzip, but the file is not gzip data", refused.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task An_encrypted_export_decrypts_with_its_key_which_is_never_returned_logged_or_kept()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var rows = string.Concat(Enumerable.Range(1, 120).Select(i => $"enc_{i},receipt,{product},{location},1\n"));
        var key = ExportCipher.NewKey();
        var keyText = Convert.ToBase64String(key);
        // Small chunks: the file is many AES-GCM chunks, each authenticated as it streams.
        var file = await EncryptAsync(Gzip(Encoding.UTF8.GetBytes("transaction_id,transaction_type,product_id,location_id,quantity\n" + rows)), key, chunkBytes: 256);
        var url = host.Source.Url(ImportSourceServer.Bytes(file, "application/octet-stream"));

        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new { data_url = url, encryption_key = keyText });
        var started = await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted);
        var id = started.GetProperty("import_id").GetString()!;
        Assert.DoesNotContain(keyText, started.GetRawText(), StringComparison.Ordinal);

        var done = await UrlImportTests.WaitAsync(kit.Client, id, "completed");
        Assert.Equal("aes256+gzip", done.GetProperty("source_encoding").GetString());
        Assert.Equal((120L, 120L, 120L, 0L), ImportKit.Progress(done));
        Assert.Equal(file.LongLength, done.GetProperty("file_size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)), done.GetProperty("file_sha256").GetString());
        Assert.Equal((120m, 0m, 120m), await kit.BalanceAsync(product, location));
        Assert.DoesNotContain(keyText, done.GetRawText(), StringComparison.Ordinal);
        Assert.Null(await StoredKeyAsync(id));
        Assert.DoesNotContain(keyText, host.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key), host.Log.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task While_the_job_waits_the_key_is_stored_only_encrypted_and_it_is_erased_when_the_job_ends()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var key = ExportCipher.NewKey();
        var url = host.Source.Url(ImportSourceServer.Hang()); // the fetch times out after 6 s: the job waits with its key

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url, encryption_key = Convert.ToBase64String(key) });
        var stored = await StoredKeyAsync(id);
        Assert.NotNull(stored);
        Assert.DoesNotContain(Convert.ToHexStringLower(key), stored, StringComparison.Ordinal);
        Assert.True(stored.Length > key.Length * 2, "the stored key carries a nonce and a tag");

        await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Null(await StoredKeyAsync(id));
    }

    [Fact]
    public async Task A_wrong_key_fails_the_import_with_decryption_failed_and_applies_nothing()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var file = await EncryptAsync(Encoding.UTF8.GetBytes($"transaction_type,product_id,location_id,quantity\nreceipt,{product},{location},5\n"), ExportCipher.NewKey(), chunkBytes: 1024);
        var url = host.Source.Url(ImportSourceServer.Bytes(file, "application/octet-stream"));

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url, encryption_key = Convert.ToBase64String(ExportCipher.NewKey()) });
        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Equal("The file could not be decrypted with the given encryption_key (a wrong key, or a damaged or truncated file)", failed.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
        Assert.Equal(0, failed.GetProperty("progress").GetProperty("successful_records").GetInt64());
        var row = Assert.Single(await ErrorsAsync(kit, id));
        Assert.Equal("DECRYPTION_FAILED", row["error_type"]);
        Assert.Equal("encryption_key", row["field"]);
        Assert.Null(await StoredKeyAsync(id));
    }

    [Fact]
    public async Task An_encrypted_file_without_a_key_or_cut_short_fails_and_applies_nothing()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var key = ExportCipher.NewKey();
        var rows = string.Concat(Enumerable.Range(1, 100).Select(_ => $"receipt,{product},{location},1\n"));
        var file = await EncryptAsync(Encoding.UTF8.GetBytes("transaction_type,product_id,location_id,quantity\n" + rows), key, chunkBytes: 1024);

        var keyless = await UrlImportTests.StartAsync(kit.Client, new { data_url = host.Source.Url(ImportSourceServer.Bytes(file, "application/octet-stream")) });
        var refused = await UrlImportTests.WaitAsync(kit.Client, keyless, "failed");
        Assert.Equal("ENCRYPTION_KEY_REQUIRED", Assert.Single(await ErrorsAsync(kit, keyless))["error_type"]);
        Assert.Contains("encryption_key", refused.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The last chunk dropped: every remaining chunk authenticates, but none is marked last. Nothing of the first chunks applies.
        var remainder = (file.Length - 13) % (4 + 1024 + 16);
        var lastChunk = remainder == 0 ? 4 + 1024 + 16 : remainder;
        var truncated = await UrlImportTests.StartAsync(kit.Client, new
        {
            data_url = host.Source.Url(ImportSourceServer.Bytes(file[..^lastChunk], "application/octet-stream")),
            encryption_key = Convert.ToBase64String(key),
        });
        await UrlImportTests.WaitAsync(kit.Client, truncated, "failed");
        Assert.Equal("DECRYPTION_FAILED", Assert.Single(await ErrorsAsync(kit, truncated))["error_type"]);
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQta2V5")]
    [InlineData("")]
    public async Task An_encryption_key_that_is_not_a_base64_aes_256_key_is_a_400_that_does_not_echo_it(string key)
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new { data_url = "https://example.com/f.csv", encryption_key = key });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("encryption_key", out _), error.ToString());
        if (key.Length > 0)
        {
            Assert.DoesNotContain(key, error.GetRawText(), StringComparison.Ordinal);
        }

        using var list = await kit.Client.GetAsync("/v1/inventory/imports");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Pagination.GetProperty("total").GetInt32());
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private static byte[] GzipRepeated(byte[] line, long totalBytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[line.Length * 4096];
            for (var i = 0; i < 4096; i++)
            {
                line.CopyTo(block, i * line.Length);
            }

            for (long written = 0; written < totalBytes; written += block.Length)
            {
                gzip.Write(block);
            }
        }

        return output.ToArray();
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, byte[] key, int chunkBytes)
    {
        using var output = new MemoryStream();
        await using (var cipher = await ExportCipher.EncryptToAsync(output, key, chunkBytes, CancellationToken.None))
        {
            await cipher.WriteAsync(plain);
            await cipher.FinishAsync(CancellationToken.None);
        }

        return output.ToArray();
    }

    private static async Task<List<Dictionary<string, string>>> ErrorsAsync(StockKit kit, string id)
    {
        using var errors = await kit.Client.GetAsync($"/v1/integrations/erp/imports/{id}/errors");
        Assert.Equal(HttpStatusCode.OK, errors.StatusCode);
        return ExportKit.ReadCsv(await errors.Content.ReadAsByteArrayAsync());
    }

    private async Task<string?> StoredKeyAsync(string id)
    {
        await using var connection = new NpgsqlConnection(host.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT encode(source_decryption_key, 'hex') FROM import_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : (string?)value;
    }
}
