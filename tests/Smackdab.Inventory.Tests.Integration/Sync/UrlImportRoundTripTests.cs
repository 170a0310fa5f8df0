using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// The spec's ERP example end to end: data exported with gzip and AES-256-GCM, then imported into another organization by
/// POST /v1/integrations/erp/imports with <c>data_url</c> = our own <c>/v1/exports/{id}/download</c> (reached through a real
/// HTTP hop, with the exporting organization's API key and X-Organization-ID as the fetch's <c>authentication</c>) and the export's
/// <c>encryption_key</c>. Nothing is lost; with a wrong key nothing applies.
/// </summary>
public sealed class UrlImportRoundTripTests(DecodingImportHost host) : IClassFixture<DecodingImportHost>
{
    [Fact]
    public async Task Products_and_balances_exported_gzipped_and_encrypted_round_trip_through_the_download_url()
    {
        var source = await StockKit.NewTenantAsync(host.Api);
        var target = await StockKit.NewTenantAsync(host.Api);
        using (var p1 = await source.Client.PostAsJsonAsync("/v1/products", new
        {
            sku = "ENC-RT-1", name = "Round trip, \"quoted\"", category = "tools", description = "Line one\nline two", price = new { amount = 19.99m, currency = "EUR" },
            units = new[] { new { uom = "CASE", factor = 12 } },
        }))
        {
            await Envelopes.SuccessAsync(p1, HttpStatusCode.Created);
        }

        var second = await source.ProductAsync("ENC-RT-2");
        var third = await source.ProductAsync("ENC-RT-3");
        var main = await LocationAsync(source, "MAIN");
        var back = await LocationAsync(source, "BACK");
        await LocationAsync(target, "MAIN");
        await LocationAsync(target, "BACK");
        using (var products = await source.Client.GetAsync("/v1/products?sort=sku"))
        {
            var first = (await Envelopes.ListAsync(products)).Items.EnumerateArray().First().GetProperty("id").GetString()!;
            await source.BookAsync("receipt", first, main, 3, uom: "CASE");
        }

        await source.BookAsync("receipt", second, main, 17);
        await source.BookAsync("receipt", third, back, 40);
        await source.BookAsync("shipment", third, back, 15);

        // Products as JSON, balances as CSV: both gzip + aes256, both recognised by their content once decoded.
        var (productsExport, productsKey) = await ExportAsync(source, "products", "json");
        var productsImport = await ImportAsync(target, source, productsExport, productsKey, "products");
        Assert.Equal("aes256+gzip", productsImport.GetProperty("source_encoding").GetString());
        Assert.Equal("json", productsImport.GetProperty("format").GetString());
        Assert.Equal(productsExport.GetProperty("checksum").GetString(), productsImport.GetProperty("file_sha256").GetString());
        Assert.Equal((3L, 3L, 3L, 0L), ImportKit.Progress(productsImport));

        var (balancesExport, balancesKey) = await ExportAsync(source, "balances", "csv");
        var countsImport = await ImportAsync(target, source, balancesExport, balancesKey, "counts");
        Assert.Equal("csv", countsImport.GetProperty("format").GetString());
        Assert.Equal((3L, 3L, 3L, 0L), ImportKit.Progress(countsImport));

        string[] productColumns = ["sku", "name", "status", "category", "description", "price", "currency", "uom", "units"];
        Assert.Equal(Project(await PlainExportAsync(source, "products"), productColumns), Project(await PlainExportAsync(target, "products"), productColumns));
        string[] balanceColumns = ["sku", "location_code", "on_hand", "allocated", "available"];
        var expected = Project(await PlainExportAsync(source, "balances"), balanceColumns);
        Assert.Equal(3, expected.Count);
        Assert.Equal(expected, Project(await PlainExportAsync(target, "balances"), balanceColumns));
        await target.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task The_same_download_with_a_wrong_key_applies_nothing()
    {
        var source = await StockKit.NewTenantAsync(host.Api);
        var target = await StockKit.NewTenantAsync(host.Api);
        await source.ProductAsync("ENC-WRONG-1");
        await source.ProductAsync("ENC-WRONG-2");
        var (export, key) = await ExportAsync(source, "products", "csv");
        var wrong = Convert.ToBase64String(Domain.Features.Sync.Exports.ExportCipher.NewKey());
        Assert.NotEqual(key, wrong);

        var failed = await ImportAsync(target, source, export, wrong, "products", "failed");
        Assert.Contains("could not be decrypted", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, failed.GetProperty("progress").GetProperty("successful_records").GetInt64());
        using var products = await target.Client.GetAsync("/v1/products");
        Assert.Equal(0, (await Envelopes.ListAsync(products)).Pagination.GetProperty("total").GetInt32());

        // The right key, same file: everything applies (so the failure above was the key, not the file).
        var done = await ImportAsync(target, source, export, key, "products");
        Assert.Equal((2L, 2L, 2L, 0L), ImportKit.Progress(done));
    }

    private async Task<(JsonElement Export, string Key)> ExportAsync(StockKit kit, string dataType, string format)
    {
        var started = await ExportKit.StartAsync(kit.Client, new { format, data_type = dataType, compression = "gzip", encryption = "aes256" });
        var key = started.GetProperty("encryption_key").GetString()!;
        var done = await ExportKit.WaitAsync(kit.Client, started.GetProperty("export_id").GetString()!);
        Assert.False(done.TryGetProperty("encryption_key", out var shown) && shown.ValueKind != JsonValueKind.Null, "the key is shown once");
        return (done, key);
    }

    private async Task<JsonElement> ImportAsync(StockKit target, StockKit source, JsonElement export, string key, string importType, string expectedStatus = "completed")
    {
        // The loopback source server forwards the fetch (with its X-API-Key) to the API's own download route.
        var url = host.Source.Url(ImportSourceServer.Proxy(host.Api.CreateClient(), export.GetProperty("download_url").GetString()!));
        using var response = await target.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new
        {
            import_type = importType,
            source_system = "inventory_management",
            data_url = url,
            authentication = new { type = "api_key", key = source.Tenant.AdminKey, headers = new Dictionary<string, string> { ["X-Organization-ID"] = source.Tenant.OrganizationId } },
            encryption_key = key,
            processing_options = new { validation_mode = "strict", duplicate_handling = "skip" },
        });
        var id = (await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted)).GetProperty("import_id").GetString()!;
        var done = await UrlImportTests.WaitAsync(target.Client, id, expectedStatus);
        var fetch = Assert.Single(host.Source.RequestsTo(url));
        Assert.Equal(source.Tenant.AdminKey, fetch["X-API-Key"]);
        Assert.Equal(source.Tenant.OrganizationId, fetch["X-Organization-ID"]);
        return done;
    }

    private static async Task<string> LocationAsync(StockKit kit, string code)
    {
        using var response = await kit.Client.PostAsJsonAsync("/v1/locations", new { name = code, code });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    private static async Task<List<Dictionary<string, string>>> PlainExportAsync(StockKit kit, string dataType)
    {
        var started = await ExportKit.StartAsync(kit.Client, new { format = "csv", data_type = dataType });
        var done = await ExportKit.WaitAsync(kit.Client, started.GetProperty("export_id").GetString()!);
        return ExportKit.ReadCsv(await ExportKit.DownloadAsync(kit.Client, done));
    }

    private static List<string> Project(List<Dictionary<string, string>> rows, string[] columns) =>
        rows.Select(r => string.Join('|', columns.Select(c => r[c]))).Order(StringComparer.Ordinal).ToList();
}
