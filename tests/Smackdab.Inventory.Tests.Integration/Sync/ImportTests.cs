using System.Text;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>Bulk imports over HTTP: validation first, strict and lenient, duplicates, idempotent re-uploads, mappings, tenancy.</summary>
public sealed class ImportTests
{
    [Fact]
    public async Task Csv_transactions_import_answers_202_then_applies_every_row_through_the_ledger()
    {
        var kit = await StockKit.NewTenantAsync();
        var a = await kit.ProductAsync("IMP-A");
        var b = await kit.ProductAsync("IMP-B");
        var location = await kit.LocationAsync();
        var csv = $"""
            transaction_type,sku,location_id,quantity,unit_cost,currency,reference
            receipt,IMP-A,{location},100,2.50,USD,PO-1
            receipt,IMP-B,{location},40,,,PO-1
            shipment,IMP-A,{location},30,,,SO-9
            """;

        var started = await ImportKit.UploadAsync(kit.Client, csv, ("format", "csv"), ("import_type", "transactions"), ("validation_mode", "strict"));
        var id = started.GetProperty("import_id").GetString()!;
        Assert.StartsWith("imp_", id);
        Assert.Equal("validating", started.GetProperty("status").GetString());
        Assert.Equal($"/v1/inventory/imports/{id}/validation", started.GetProperty("validation_url").GetString());
        Assert.True(started.GetProperty("estimated_completion").GetDateTime() > DateTime.UtcNow.AddMinutes(-1));

        var done = await ImportKit.WaitAsync(kit.Client, id);
        Assert.Equal((3L, 3L, 3L, 0L), ImportKit.Progress(done));
        Assert.Equal((70m, 0m, 70m), await kit.BalanceAsync(a, location));
        Assert.Equal((40m, 0m, 40m), await kit.BalanceAsync(b, location));
        Assert.Equal(3, await kit.LedgerCountAsync());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Strict_mode_applies_nothing_when_one_row_is_bad_and_reports_the_row()
    {
        var kit = await StockKit.NewTenantAsync();
        await kit.ProductAsync("STRICT-A");
        var location = await kit.LocationAsync();
        var csv = $"""
            transaction_type,sku,location_id,quantity
            receipt,STRICT-A,{location},10
            receipt,STRICT-A,{location},abc
            receipt,STRICT-A,{location},5
            """;

        var started = await ImportKit.UploadAsync(kit.Client, csv, ("validation_mode", "strict"));
        var id = started.GetProperty("import_id").GetString()!;
        var done = await ImportKit.WaitAsync(kit.Client, id, "failed");
        Assert.Equal(1, done.GetProperty("error_summary").GetProperty("validation_errors").GetInt64());
        Assert.Equal(0, await kit.LedgerCountAsync());

        using var validation = await kit.Client.GetAsync($"/v1/inventory/imports/{id}/validation");
        var body = await Envelopes.ReadAsync(validation);
        var report = body.GetProperty("data");
        Assert.Equal(3, report.GetProperty("validation_summary").GetProperty("total_validations").GetInt64());
        Assert.Equal(2, report.GetProperty("validation_summary").GetProperty("passed_validations").GetInt64());
        Assert.Equal(1, report.GetProperty("validation_summary").GetProperty("failed_validations").GetInt64());
        var error = Assert.Single(report.GetProperty("validation_errors").EnumerateArray());
        Assert.Equal("row_2", error.GetProperty("record_id").GetString());
        Assert.Equal("INVALID_VALUE", error.GetProperty("error_type").GetString());
        Assert.Equal("quantity", error.GetProperty("field").GetString());
        Assert.Equal("abc", error.GetProperty("value").GetString());
        Assert.Equal(1, body.GetProperty("meta").GetProperty("pagination").GetProperty("total").GetInt32());

        using var errors = await kit.Client.GetAsync($"/v1/inventory/imports/{id}/errors");
        Assert.Equal(HttpStatusCode.OK, errors.StatusCode);
        Assert.Equal("text/csv", errors.Content.Headers.ContentType!.MediaType);
        var rows = ExportKit.ReadCsv(await errors.Content.ReadAsByteArrayAsync());
        Assert.Equal("2", Assert.Single(rows)["row_number"]);
    }

    [Fact]
    public async Task Strict_mode_rolls_everything_back_when_the_ledger_refuses_a_row_at_apply_time()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("STRICT-STOCK");
        var location = await kit.LocationAsync();
        var csv = $"""
            transaction_type,product_id,location_id,quantity
            receipt,{product},{location},5
            shipment,{product},{location},50
            """;
        var started = await ImportKit.UploadAsync(kit.Client, csv);
        var done = await ImportKit.WaitAsync(kit.Client, started.GetProperty("import_id").GetString()!, "failed");
        Assert.Contains("INSUFFICIENT_STOCK", done.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Lenient_mode_applies_good_rows_and_reports_bad_ones()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("LEN-A");
        var location = await kit.LocationAsync();
        var csv = $"""
            transaction_type,sku,location_id,quantity,unit_cost,currency
            receipt,LEN-A,{location},10,,
            receipt,NO-SUCH-SKU,{location},10,,
            receipt,LEN-A,{location},5,-15.50,USD
            shipment,LEN-A,{location},100,,
            receipt,LEN-A,{location},1,,
            """;
        var started = await ImportKit.UploadAsync(kit.Client, csv, ("validation_mode", "lenient"));
        var id = started.GetProperty("import_id").GetString()!;
        var done = await ImportKit.WaitAsync(kit.Client, id);
        Assert.Equal((5L, 5L, 2L, 3L), ImportKit.Progress(done));
        Assert.Equal((11m, 0m, 11m), await kit.BalanceAsync(product, location));

        using var validation = await kit.Client.GetAsync($"/v1/inventory/imports/{id}/validation");
        var (errors, _) = await Envelopes.ListAsync(validation);
        var types = errors.GetProperty("validation_errors").EnumerateArray().Select(e => (e.GetProperty("record_id").GetString(), e.GetProperty("error_type").GetString())).ToList();
        Assert.Equal([("row_2", "UNKNOWN_PRODUCT"), ("row_3", "NEGATIVE_COST"), ("row_4", "INSUFFICIENT_STOCK")], types);
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Re_upload_with_the_same_idempotency_key_replays_and_imports_once()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("IDEM-A");
        var location = await kit.LocationAsync();
        var csv = $"transaction_type,product_id,location_id,quantity\nreceipt,{product},{location},7\n";
        using var client = kit.Tenant.Client(kit.Api, autoIdempotencyKey: false);
        var key = "import-" + Guid.NewGuid().ToString("N");

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            // Each form gets its own random boundary: the key must still match.
            using var form = ImportKit.Form(csv, "data.csv", ("import_type", "transactions"));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/import") { Content = form };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            var body = await Envelopes.ReadAsync(response);
            return (response.StatusCode, Body: body);
        }));
        // Overlapping, the second gets 409 IDEMPOTENCY_IN_PROGRESS; arriving after the first finished, it is a 202 replay of
        // the same import. Either way there is exactly one import.
        var accepted = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.NotEmpty(accepted);
        var id = Assert.Single(accepted.Select(a => a.Body.GetProperty("data").GetProperty("import_id").GetString()!).Distinct());
        await ImportKit.WaitAsync(kit.Client, id);

        using var again = ImportKit.Form(csv, "data.csv", ("import_type", "transactions"));
        using var replayRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/import") { Content = again };
        replayRequest.Headers.Add("Idempotency-Key", key);
        using var replay = await client.SendAsync(replayRequest);
        var replayed = await Envelopes.SuccessAsync(replay, HttpStatusCode.Accepted);
        Assert.Equal(id, replayed.GetProperty("import_id").GetString());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        Assert.Equal((7m, 0m, 7m), await kit.BalanceAsync(product, location));
        Assert.Equal(1, await kit.LedgerCountAsync());

        using var otherFile = ImportKit.Form(csv.Replace(",7", ",8"), "data.csv", ("import_type", "transactions"));
        using var reuseRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/import") { Content = otherFile };
        reuseRequest.Headers.Add("Idempotency-Key", key);
        using var reuse = await client.SendAsync(reuseRequest);
        await Envelopes.ErrorAsync(reuse, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
    }

    [Fact]
    public async Task Rows_with_a_source_transaction_id_are_never_applied_twice_even_by_concurrent_imports()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("DUP-A");
        var location = await kit.LocationAsync();
        var csv = new StringBuilder("transaction_id,transaction_type,product_id,location_id,quantity\n");
        for (var i = 0; i < 50; i++)
        {
            csv.Append($"erp_{i},receipt,{product},{location},1\n");
        }

        var ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ =>
            (await ImportKit.UploadAsync(kit.Client, csv.ToString(), ("validation_mode", "lenient"))).GetProperty("import_id").GetString()!));
        var results = new List<JsonElement>();
        foreach (var id in ids)
        {
            results.Add(await ImportKit.WaitAsync(kit.Client, id));
        }

        Assert.Equal(50, results.Sum(r => ImportKit.Progress(r).Successful));
        Assert.Equal(100, results.Sum(r => r.GetProperty("error_summary").GetProperty("duplicate_records").GetInt64() + ImportKit.Progress(r).Failed));
        Assert.Equal((50m, 0m, 50m), await kit.BalanceAsync(product, location));
        Assert.Equal(50, await kit.LedgerCountAsync());

        var strictDuplicate = await ImportKit.UploadAsync(kit.Client, csv.ToString(), ("duplicate_handling", "fail"));
        var failed = await ImportKit.WaitAsync(kit.Client, strictDuplicate.GetProperty("import_id").GetString()!, "failed");
        Assert.Equal(50, failed.GetProperty("error_summary").GetProperty("validation_errors").GetInt64());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task A_saved_mapping_reads_files_with_other_column_names()
    {
        var kit = await StockKit.NewTenantAsync();
        using var created = await kit.Client.PostAsJsonAsync("/v1/inventory/import-mappings", new
        {
            name = "ERP items",
            import_type = "products",
            columns = new Dictionary<string, string> { ["sku"] = "Item Number", ["name"] = "Description", ["price"] = "List Price", ["currency"] = "Cur" },
        });
        var mapping = await Envelopes.SuccessAsync(created, HttpStatusCode.Created);
        var mappingId = mapping.GetProperty("id").GetString()!;
        Assert.StartsWith("map_", mappingId);

        var csv = "Item Number,Description,List Price,Cur,Ignored\nMAP-1,Mapped one,12.50,USD,x\nMAP-2,Mapped two,3,USD,y\n";
        var started = await ImportKit.UploadAsync(kit.Client, csv, ("import_type", "products"), ("mapping_id", mappingId));
        await ImportKit.WaitAsync(kit.Client, started.GetProperty("import_id").GetString()!);

        using var list = await kit.Client.GetAsync("/v1/products?sort=sku");
        var (items, _) = await Envelopes.ListAsync(list);
        var products = items.EnumerateArray().Select(p => (p.GetProperty("sku").GetString(), p.GetProperty("name").GetString())).ToList();
        Assert.Equal([("MAP-1", "Mapped one"), ("MAP-2", "Mapped two")], products);

        using var wrongType = ImportKit.Form(csv, "data.csv", ("import_type", "transactions"), ("mapping_id", mappingId));
        using var refused = await kit.Client.PostAsync("/v1/inventory/import", wrongType);
        var error = await Envelopes.ErrorAsync(refused, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("mapping_id", out _));

        using var mappings = await kit.Client.GetAsync("/v1/inventory/import-mappings");
        var (mappingItems, pagination) = await Envelopes.ListAsync(mappings);
        Assert.Equal(1, pagination.GetProperty("total").GetInt32());
        using var deleted = await kit.Client.DeleteAsync($"/v1/inventory/import-mappings/{mappingId}");
        await Envelopes.SuccessAsync(deleted);
        using var gone = await kit.Client.GetAsync($"/v1/inventory/import-mappings/{mappingId}");
        await Envelopes.ErrorAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Json_import_accepts_an_array_with_nested_quantity_and_cost()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync("JSON-A");
        var location = await kit.LocationAsync();
        var json = JsonSerializer.Serialize(new object[]
        {
            new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 12, uom = "EACH" }, unit_cost = new { amount = 4.5m, currency = "USD" } },
            new { transaction_type = "shipment", sku = "JSON-A", location_id = location, quantity = 2 },
        });
        var started = await ImportKit.UploadAsync(kit.Client, json, ("format", "json"));
        var done = await ImportKit.WaitAsync(kit.Client, started.GetProperty("import_id").GetString()!);
        Assert.Equal((2L, 2L, 2L, 0L), ImportKit.Progress(done));
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task Products_and_balances_exported_from_one_organization_round_trip_into_another()
    {
        var api = await SharedApi.GetAsync();
        var source = await StockKit.NewTenantAsync(api);
        var target = await StockKit.NewTenantAsync(api);
        using (var p1 = await source.Client.PostAsJsonAsync("/v1/products", new
        {
            sku = "RT-1", name = "Round trip, \"quoted\"", category = "tools", description = "Line one\nline two", price = new { amount = 19.99m, currency = "EUR" },
            units = new[] { new { uom = "CASE", factor = 12 } },
        }))
        {
            await Envelopes.SuccessAsync(p1, HttpStatusCode.Created);
        }

        await source.ProductAsync("RT-2");
        using (var l = await source.Client.PostAsJsonAsync("/v1/locations", new { name = "Main", code = "MAIN" }))
        {
            var location = (await Envelopes.SuccessAsync(l, HttpStatusCode.Created)).GetProperty("id").GetString()!;
            using var products = await source.Client.GetAsync("/v1/products?sort=sku");
            var (items, _) = await Envelopes.ListAsync(products);
            var ids = items.EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();
            await source.BookAsync("receipt", ids[0], location, 3, uom: "CASE");
            await source.BookAsync("receipt", ids[1], location, 17);
        }

        using (var l = await target.Client.PostAsJsonAsync("/v1/locations", new { name = "Main", code = "MAIN" }))
        {
            await Envelopes.SuccessAsync(l, HttpStatusCode.Created);
        }

        var productFile = await ExportCsvAsync(source, "products");
        var importedProducts = await ImportKit.UploadAsync(target.Client, Encoding.UTF8.GetString(productFile), ("import_type", "products"));
        await ImportKit.WaitAsync(target.Client, importedProducts.GetProperty("import_id").GetString()!);
        var balanceFile = await ExportCsvAsync(source, "balances");
        var importedCounts = await ImportKit.UploadAsync(target.Client, Encoding.UTF8.GetString(balanceFile), ("import_type", "counts"));
        await ImportKit.WaitAsync(target.Client, importedCounts.GetProperty("import_id").GetString()!);

        string[] productColumns = ["sku", "name", "status", "category", "description", "price", "currency", "uom", "units"];
        Assert.Equal(Project(ExportKit.ReadCsv(productFile), productColumns), Project(ExportKit.ReadCsv(await ExportCsvAsync(target, "products")), productColumns));
        string[] balanceColumns = ["sku", "location_code", "on_hand", "allocated", "available"];
        Assert.Equal(Project(ExportKit.ReadCsv(balanceFile), balanceColumns), Project(ExportKit.ReadCsv(await ExportCsvAsync(target, "balances")), balanceColumns));
        await target.AssertAuditCleanAsync();
    }

    [Theory]
    [InlineData("import_type", "orders")]
    [InlineData("format", "xml")]
    [InlineData("validation_mode", "loose")]
    [InlineData("duplicate_handling", "merge")]
    [InlineData("mapping_id", "map_doesnotexist0000")]
    public async Task Bad_import_fields_are_400_with_the_field(string field, string value)
    {
        var kit = await StockKit.NewTenantAsync();
        using var form = ImportKit.Form("transaction_type,sku\n", "data.csv", (field, value));
        using var response = await kit.Client.PostAsync("/v1/inventory/import", form);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Uploads_without_a_file_or_not_multipart_are_4xx_envelopes()
    {
        var kit = await StockKit.NewTenantAsync();
        using var noFile = new MultipartFormDataContent { { new StringContent("csv"), "format" } };
        using var missing = await kit.Client.PostAsync("/v1/inventory/import", noFile);
        var error = await Envelopes.ErrorAsync(missing, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("file", out _));

        using var json = await kit.Client.PostAsJsonAsync("/v1/inventory/import", new { format = "csv" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        await Envelopes.ReadAsync(json);

        using var empty = ImportKit.Form("", "data.csv");
        using var emptyResponse = await kit.Client.PostAsync("/v1/inventory/import", empty);
        await Envelopes.ErrorAsync(emptyResponse, HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        using var badMapping = await kit.Client.PostAsJsonAsync("/v1/inventory/import-mappings", new { name = "x", import_type = "products", columns = new { colour = "Colour" } });
        var mappingError = await Envelopes.ErrorAsync(badMapping, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(mappingError.GetProperty("details").TryGetProperty("columns.colour", out _), mappingError.ToString());
    }

    [Fact]
    public async Task A_malformed_file_fails_the_import_with_a_report_not_a_500()
    {
        var kit = await StockKit.NewTenantAsync();
        var started = await ImportKit.UploadAsync(kit.Client, "{\"records\": [ {\"sku\": ", ("format", "json"));
        var done = await ImportKit.WaitAsync(kit.Client, started.GetProperty("import_id").GetString()!, "failed");
        Assert.False(string.IsNullOrEmpty(done.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Another_organization_cannot_see_an_import_its_report_or_a_mapping()
    {
        var api = await SharedApi.GetAsync();
        var owner = await StockKit.NewTenantAsync(api);
        var other = await StockKit.NewTenantAsync(api);
        await owner.ProductAsync("SECRET-IMPORT");
        var started = await ImportKit.UploadAsync(owner.Client, "sku,name\nSECRET-NEW,Secret\n", ("import_type", "products"));
        var id = started.GetProperty("import_id").GetString()!;
        await ImportKit.WaitAsync(owner.Client, id);
        using var created = await owner.Client.PostAsJsonAsync("/v1/inventory/import-mappings", new { name = "m", import_type = "products", columns = new { sku = "SKU" } });
        var mappingId = (await Envelopes.SuccessAsync(created, HttpStatusCode.Created)).GetProperty("id").GetString()!;

        foreach (var path in new[] { $"/v1/inventory/imports/{id}", $"/v1/inventory/imports/{id}/validation", $"/v1/inventory/imports/{id}/errors", $"/v1/inventory/import-mappings/{mappingId}" })
        {
            using var response = await other.Client.GetAsync(path);
            await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using var delete = await other.Client.DeleteAsync($"/v1/inventory/import-mappings/{mappingId}");
        await Envelopes.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await other.Client.GetAsync("/v1/inventory/imports");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
        using var useMapping = ImportKit.Form("SKU\nX\n", "data.csv", ("import_type", "products"), ("mapping_id", mappingId));
        using var refused = await other.Client.PostAsync("/v1/inventory/import", useMapping);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    private static async Task<byte[]> ExportCsvAsync(StockKit kit, string dataType)
    {
        var started = await ExportKit.StartAsync(kit.Client, new { format = "csv", data_type = dataType });
        var done = await ExportKit.WaitAsync(kit.Client, started.GetProperty("export_id").GetString()!);
        return await ExportKit.DownloadAsync(kit.Client, done);
    }

    private static List<string> Project(List<Dictionary<string, string>> rows, string[] columns) =>
        rows.Select(r => string.Join("|", columns.Select(c => r[c]))).Order(StringComparer.Ordinal).ToList();
}
