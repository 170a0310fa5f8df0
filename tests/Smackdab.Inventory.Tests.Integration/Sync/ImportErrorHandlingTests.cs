using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>A URL-import host whose worker checks and applies two rows per chunk, so that stops fall in a later chunk.</summary>
public sealed class SmallChunkImportHost : IAsyncLifetime
{
    public ApiFactory Api { get; private set; } = null!;

    public ImportSourceServer Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = await ImportSourceServer.StartAsync();
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Imports:UrlFetchMaxAttempts"] = "1",
            ["Imports:ChunkSize"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>
/// processing_options.error_handling against validation_mode (the table in docs/imports.md): lenient+continue applies every good
/// record; lenient+stop applies the records before the first failing one and stops the job there; strict applies nothing when
/// any record fails, and with stop reports only the first. A record can fail in validation (an unknown SKU) or when it is
/// applied (the ledger refuses a shipment without stock).
/// </summary>
public sealed class ImportErrorHandlingTests(SmallChunkImportHost host) : IClassFixture<SmallChunkImportHost>
{
    [Theory]
    [InlineData("lenient", "continue")]
    [InlineData(null, "continue")]
    public async Task Continue_applies_every_good_record_and_reports_the_bad_ones(string? validationMode, string errorHandling)
    {
        var (kit, a, b, location, url) = await ValidationFailureFileAsync();
        var id = await StartAsync(kit, url, validationMode, errorHandling);

        var done = await UrlImportTests.WaitAsync(kit.Client, id, "completed");
        Assert.Equal("lenient", done.GetProperty("validation_mode").GetString());
        Assert.Equal("continue", done.GetProperty("error_handling").GetString());
        Assert.Equal((6L, 6L, 4L, 2L), ImportKit.Progress(done));
        Assert.Equal((11m, 0m, 11m), await kit.BalanceAsync(a, location));
        Assert.Equal((6m, 0m, 6m), await kit.BalanceAsync(b, location));
        Assert.Equal(["row_3", "row_5"], (await ErrorsAsync(kit, id)).Select(r => r["record_id"]));
    }

    [Theory]
    [InlineData("lenient", "stop")]
    [InlineData(null, "stop")]
    public async Task Stop_applies_the_records_before_the_first_validation_failure_and_ends_the_job_there(string? validationMode, string errorHandling)
    {
        var (kit, a, b, location, url) = await ValidationFailureFileAsync();
        var id = await StartAsync(kit, url, validationMode, errorHandling);

        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Equal("lenient", failed.GetProperty("validation_mode").GetString());
        Assert.Equal("stop", failed.GetProperty("error_handling").GetString());
        // The file is not read past the failing record (row 3): 3 records read, 2 applied, 1 failed.
        Assert.Equal((3L, 3L, 2L, 1L), ImportKit.Progress(failed));
        Assert.StartsWith("Stopped at record row_3 (row 3, UNKNOWN_PRODUCT", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(a, location));
        Assert.Equal((5m, 0m, 5m), await kit.BalanceAsync(b, location));
        Assert.Equal(["row_3"], (await ErrorsAsync(kit, id)).Select(r => r["record_id"]));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Stop_at_a_record_the_ledger_refuses_keeps_the_earlier_chunks_and_applies_nothing_after_it()
    {
        var (kit, a, b, location, url) = await ApplyFailureFileAsync();
        var id = await StartAsync(kit, url, "lenient", "stop");

        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        // Rows 1-2 (the first chunk) applied; row 3 refused; row 4 (same chunk) and row 5 not applied.
        Assert.Equal((5L, 3L, 2L, 1L), ImportKit.Progress(failed));
        Assert.StartsWith("Stopped at record row_3 (row 3, INSUFFICIENT_STOCK", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(a, location));
        Assert.Equal((5m, 0m, 5m), await kit.BalanceAsync(b, location));
        Assert.Equal(2, await kit.LedgerCountAsync());
        Assert.Equal("INSUFFICIENT_STOCK", Assert.Single(await ErrorsAsync(kit, id))["error_type"]);
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Continue_past_a_record_the_ledger_refuses_applies_the_rest()
    {
        var (kit, a, b, location, url) = await ApplyFailureFileAsync();
        var id = await StartAsync(kit, url, "lenient", "continue");

        var done = await UrlImportTests.WaitAsync(kit.Client, id, "completed");
        Assert.Equal((5L, 5L, 4L, 1L), ImportKit.Progress(done));
        Assert.Equal((11m, 0m, 11m), await kit.BalanceAsync(a, location));
        Assert.Equal((6m, 0m, 6m), await kit.BalanceAsync(b, location));
        Assert.Equal(4, await kit.LedgerCountAsync());
    }

    [Theory]
    [InlineData("continue", 2)]
    [InlineData("stop", 1)]
    public async Task Strict_applies_nothing_when_a_record_fails_validation_and_stop_reports_only_the_first(string errorHandling, int reported)
    {
        var (kit, a, _, location, url) = await ValidationFailureFileAsync();
        var id = await StartAsync(kit, url, "strict", errorHandling);

        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Equal(0, failed.GetProperty("progress").GetProperty("successful_records").GetInt64());
        Assert.Equal(reported, (await ErrorsAsync(kit, id)).Count);
        Assert.Contains("strict mode applied nothing", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        if (errorHandling == "stop")
        {
            Assert.StartsWith("Validation stopped at record row_3", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(a, location));
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Theory]
    [InlineData("continue")]
    [InlineData("stop")]
    public async Task Strict_applies_nothing_when_the_ledger_refuses_a_record(string errorHandling)
    {
        var (kit, a, _, location, url) = await ApplyFailureFileAsync();
        var id = await StartAsync(kit, url, "strict", errorHandling);

        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Contains("strict mode applied nothing", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(a, location));
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task An_upload_takes_error_handling_as_a_form_field_too()
    {
        var (kit, a, b, location, _) = await ValidationFailureFileAsync();
        var started = await ImportKit.UploadAsync(kit.Client, ValidationFailureCsv(a, b, location), ("error_handling", "stop"));
        var failed = await ImportKit.WaitAsync(kit.Client, started.GetProperty("import_id").GetString()!, "failed");
        Assert.Equal("stop", failed.GetProperty("error_handling").GetString());
        Assert.Equal((10m, 0m, 10m), await kit.BalanceAsync(a, location));
        Assert.Equal((5m, 0m, 5m), await kit.BalanceAsync(b, location));

        using var form = ImportKit.Form("transaction_type,sku\n", "data.csv", ("error_handling", "retry"));
        using var response = await kit.Client.PostAsync("/v1/inventory/import", form);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("error_handling", out _), error.ToString());
    }

    /// <summary>Six receipts; rows 3 and 5 name an unknown SKU (a validation failure). Good rows: A 10 + 1, B 5 + 1.</summary>
    private async Task<(StockKit Kit, string A, string B, string Location, string Url)> ValidationFailureFileAsync()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var location = await kit.LocationAsync();
        var a = await kit.ProductAsync();
        var b = await kit.ProductAsync();
        return (kit, a, b, location, host.Source.Url(ImportSourceServer.File(ValidationFailureCsv(a, b, location))));
    }

    private static string ValidationFailureCsv(string a, string b, string location) => $"""
        transaction_type,product_id,sku,location_id,quantity
        receipt,{a},,{location},10
        receipt,{b},,{location},5
        receipt,,NO-SUCH-SKU,{location},1
        receipt,{a},,{location},1
        receipt,,NO-SUCH-SKU,{location},1
        receipt,{b},,{location},1
        """;

    /// <summary>Five rows; row 3 ships 50 of A, which has 10: the ledger refuses it when it is applied.</summary>
    private async Task<(StockKit Kit, string A, string B, string Location, string Url)> ApplyFailureFileAsync()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var location = await kit.LocationAsync();
        var a = await kit.ProductAsync();
        var b = await kit.ProductAsync();
        var csv = $"""
            transaction_type,product_id,location_id,quantity
            receipt,{a},{location},10
            receipt,{b},{location},5
            shipment,{a},{location},50
            receipt,{a},{location},1
            receipt,{b},{location},1
            """;
        return (kit, a, b, location, host.Source.Url(ImportSourceServer.File(csv)));
    }

    private static async Task<string> StartAsync(StockKit kit, string url, string? validationMode, string errorHandling) =>
        await UrlImportTests.StartAsync(kit.Client, new { data_url = url, processing_options = new { validation_mode = validationMode, error_handling = errorHandling } });

    private static async Task<List<Dictionary<string, string>>> ErrorsAsync(StockKit kit, string id)
    {
        using var errors = await kit.Client.GetAsync($"/v1/integrations/erp/imports/{id}/errors");
        Assert.Equal(HttpStatusCode.OK, errors.StatusCode);
        return ExportKit.ReadCsv(await errors.Content.ReadAsByteArrayAsync());
    }
}
