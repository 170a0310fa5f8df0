using System.Collections.Concurrent;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>
/// An API host that may reach the loopback source server (Webhooks:AllowPrivateTargets, the documented test switch), with short
/// fetch timeouts, two attempts and a 64 KiB size limit; and the source server itself.
/// </summary>
public sealed class UrlImportHost : IAsyncLifetime
{
    public const int MaxBytes = 64 * 1024;

    public ApiFactory Api { get; private set; } = null!;

    public ImportSourceServer Source { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = await ImportSourceServer.StartAsync();
        Api = await ApiFactory.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:AllowPrivateTargets"] = "true",
            ["Imports:UrlFetchTimeoutSeconds"] = "2",
            ["Imports:UrlFetchMaxAttempts"] = "2",
            ["Imports:UrlRetryDelayMilliseconds"] = "100",
            ["Imports:UrlMaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Source.DisposeAsync();
    }
}

/// <summary>
/// POST /v1/integrations/erp/imports: the file is fetched from data_url by the worker, through the outbound guard, a timeout and a
/// size bound, then validated and applied through the ledger exactly like an upload.
/// </summary>
public sealed class UrlImportTests(UrlImportHost host) : IClassFixture<UrlImportHost>
{
    [Fact]
    public async Task Csv_from_a_data_url_applies_every_row_through_the_ledger_and_sends_the_api_key()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var a = await kit.ProductAsync("URL-A");
        var b = await kit.ProductAsync("URL-B");
        var location = await kit.LocationAsync();
        var url = host.Source.Url(ImportSourceServer.File($"""
            transaction_id,transaction_type,sku,location_id,quantity,unit_cost,currency,reference
            erp_1,receipt,URL-A,{location},100,2.50,USD,PO-1
            erp_2,receipt,URL-B,{location},40,,,PO-1
            erp_3,shipment,URL-A,{location},30,,,SO-9
            """));

        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new
        {
            import_type = "financial_data",
            source_system = "inventory_management",
            data_url = url,
            authentication = new { type = "api_key", key = "erp_import_key_stu901" },
            processing_options = new { validation_mode = "strict", duplicate_handling = "skip", error_handling = "continue" },
        });
        var started = await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted);
        var id = started.GetProperty("import_id").GetString()!;
        Assert.StartsWith("imp_", id);
        Assert.Equal("processing", started.GetProperty("status").GetString());
        Assert.Equal(0, started.GetProperty("progress").GetProperty("processed_records").GetInt64());
        Assert.True(started.TryGetProperty("estimated_completion", out _));
        Assert.Equal($"/v1/integrations/erp/imports/{id}/status", response.Headers.Location!.OriginalString);
        Assert.DoesNotContain("erp_import_key_stu901", started.GetRawText(), StringComparison.Ordinal);

        var done = await WaitAsync(kit.Client, id, "completed");
        Assert.Equal((3L, 3L, 3L, 0L), ImportKit.Progress(done));
        Assert.Equal("done", done.GetProperty("phase").GetString());
        Assert.Equal("csv", done.GetProperty("format").GetString());
        Assert.Equal("transactions", done.GetProperty("import_type").GetString());
        Assert.Equal("inventory_management", done.GetProperty("source_system").GetString());
        Assert.Equal($"/v1/integrations/erp/imports/{id}/errors", done.GetProperty("error_report_url").GetString());
        Assert.True(done.GetProperty("completion_time").GetDateTime() > DateTime.UtcNow.AddMinutes(-5));
        Assert.Equal((70m, 0m, 70m), await kit.BalanceAsync(a, location));
        Assert.Equal((40m, 0m, 40m), await kit.BalanceAsync(b, location));
        Assert.Equal(3, await kit.LedgerCountAsync());
        await kit.AssertAuditCleanAsync();

        var fetch = Assert.Single(host.Source.RequestsTo(url));
        Assert.Equal("erp_import_key_stu901", fetch["X-API-Key"]);
        Assert.StartsWith("Smackdab-Imports/", fetch["User-Agent"], StringComparison.Ordinal);
        Assert.Null(await StoredCredentialsAsync(id));
    }

    [Fact]
    public async Task Json_is_recognised_by_its_content_type_and_a_bearer_token_is_sent()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync("URL-JSON");
        var location = await kit.LocationAsync();
        var url = host.Source.Url(ImportSourceServer.File(
            JsonSerializer.Serialize(new[] { new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 12, uom = "EACH" } } }),
            "application/json; charset=utf-8"));

        var id = await StartAsync(kit.Client, new { data_url = url, authentication = new { type = "bearer", key = "tok_123" } });
        var done = await WaitAsync(kit.Client, id, "completed");
        Assert.Equal("json", done.GetProperty("format").GetString());
        Assert.Equal((12m, 0m, 12m), await kit.BalanceAsync(product, location));
        Assert.Equal("Bearer tok_123", Assert.Single(host.Source.RequestsTo(url))["Authorization"]);
    }

    [Fact]
    public async Task An_erp_export_file_imports_its_inventory_transactions_section()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync("URL-ERP");
        var location = await kit.LocationAsync();
        var file = JsonSerializer.Serialize(new
        {
            export_metadata = new
            {
                export_id = "exp_upstream",
                generated_at = "2025-01-28T02:00:00Z",
                data_period = new { start = "2025-01-27T00:00:00Z", end = "2025-01-28T00:00:00Z" },
                record_counts = new { inventory_transactions = 2, cost_adjustments = 0, valuation_snapshots = 0 },
            },
            inventory_transactions = new object[]
            {
                new
                {
                    transaction_id = "txn_upstream_1", transaction_type = "receipt", product_id = product, sku = "URL-ERP", location_id = location,
                    quantity = new { value = 20, uom = "EACH" }, quantity_change = 20, unit_cost = new { amount = 4.5, currency = "USD" },
                    total_cost = new { amount = 90, currency = "USD" }, reference = "PO-77", created_at = "2025-01-27T10:00:00Z", gl_account = "1200-INVENTORY",
                },
                new
                {
                    transaction_id = "txn_upstream_2", transaction_type = "shipment", product_id = product, sku = "URL-ERP", location_id = location,
                    quantity = new { value = 5, uom = "EACH" }, quantity_change = -5, unit_cost = (object?)null,
                    total_cost = (object?)null, reference = "SO-12", created_at = "2025-01-27T11:00:00Z", gl_account = "5000-COGS",
                },
            },
            cost_adjustments = Array.Empty<object>(),
            valuation_snapshots = Array.Empty<object>(),
        });
        var url = host.Source.Url(ImportSourceServer.File(file, "application/json"));

        var id = await StartAsync(kit.Client, new { import_type = "financial_data", data_url = url });
        var done = await WaitAsync(kit.Client, id, "completed");
        Assert.Equal((2L, 2L, 2L, 0L), ImportKit.Progress(done));
        Assert.Equal((15m, 0m, 15m), await kit.BalanceAsync(product, location));

        // The same file again: its transaction ids were imported, so nothing applies twice.
        var again = await StartAsync(kit.Client, new { import_type = "financial_data", data_url = url });
        var skipped = await WaitAsync(kit.Client, again, "completed");
        Assert.Equal(2, skipped.GetProperty("error_summary").GetProperty("duplicate_records").GetInt64());
        Assert.Equal((15m, 0m, 15m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task A_retried_post_with_the_same_idempotency_key_creates_one_job_and_applies_once()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync("URL-IDEM");
        var location = await kit.LocationAsync();
        var url = host.Source.Url(ImportSourceServer.File($"transaction_type,product_id,location_id,quantity\nreceipt,{product},{location},7\n"));
        using var client = kit.Tenant.Client(kit.Api, autoIdempotencyKey: false);
        var key = "erp-import-" + Guid.NewGuid().ToString("N");
        var body = new { data_url = url, import_type = "transactions" };

        async Task<HttpResponseMessage> PostAsync(object payload)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/integrations/erp/imports") { Content = JsonContent.Create(payload) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        using var first = await PostAsync(body);
        var id = (await Envelopes.SuccessAsync(first, HttpStatusCode.Accepted)).GetProperty("import_id").GetString()!;
        await WaitAsync(kit.Client, id, "completed");

        using var replay = await PostAsync(body);
        Assert.Equal(id, (await Envelopes.SuccessAsync(replay, HttpStatusCode.Accepted)).GetProperty("import_id").GetString());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        using var other = await PostAsync(new { data_url = url + "?v=2", import_type = "transactions" });
        await Envelopes.ErrorAsync(other, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");

        using var list = await kit.Client.GetAsync("/v1/inventory/imports");
        Assert.Equal(1, (await Envelopes.ListAsync(list)).Pagination.GetProperty("total").GetInt32());
        Assert.Equal((7m, 0m, 7m), await kit.BalanceAsync(product, location));
        Assert.Equal(1, await kit.LedgerCountAsync());
        Assert.Single(host.Source.RequestsTo(url));
    }

    [Fact]
    public async Task A_source_answering_404_fails_the_job_with_the_answer_in_its_error_and_applies_nothing()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var url = host.Source.BaseUrl + "/files/missing-" + Guid.NewGuid().ToString("N");

        var id = await StartAsync(kit.Client, new { data_url = url });
        var failed = await WaitAsync(kit.Client, id, "failed");
        Assert.Equal("The source answered 404 Not Found", failed.GetProperty("error").GetString());
        Assert.Equal(0, await kit.LedgerCountAsync());
        Assert.Single(host.Source.RequestsTo(url)); // 404 is not retried

        using var errors = await kit.Client.GetAsync($"/v1/integrations/erp/imports/{id}/errors");
        var row = Assert.Single(ExportKit.ReadCsv(await errors.Content.ReadAsByteArrayAsync()));
        Assert.Equal("SOURCE_UNAVAILABLE", row["error_type"]);
        Assert.Equal("data_url", row["field"]);
    }

    [Fact]
    public async Task A_source_that_never_answers_fails_the_job_after_the_timeout_and_bounded_retries()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var url = host.Source.Url(ImportSourceServer.Hang());

        var id = await StartAsync(kit.Client, new { data_url = url });
        var failed = await WaitAsync(kit.Client, id, "failed");
        Assert.Equal("The source did not deliver the file within 2 s", failed.GetProperty("error").GetString());
        Assert.Equal(2, host.Source.RequestsTo(url).Count); // Imports:UrlFetchMaxAttempts
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task A_transient_503_is_retried_and_the_import_then_completes()
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var product = await kit.ProductAsync("URL-RETRY");
        var location = await kit.LocationAsync();
        var url = host.Source.Url(
            ImportSourceServer.Status(503),
            ImportSourceServer.File($"transaction_type,product_id,location_id,quantity\nreceipt,{product},{location},3\n"));

        var id = await StartAsync(kit.Client, new { data_url = url });
        await WaitAsync(kit.Client, id, "completed");
        Assert.Equal(2, host.Source.RequestsTo(url).Count);
        Assert.Equal((3m, 0m, 3m), await kit.BalanceAsync(product, location));
    }

    [Theory]
    [InlineData(true, "The source's file is 131072 bytes, above the limit of 65536 bytes")]
    [InlineData(false, "The source's file is larger than the limit of 65536 bytes")]
    public async Task A_body_above_the_size_limit_is_refused_whether_or_not_its_length_is_announced(bool announceLength, string error)
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        var url = host.Source.Url(ImportSourceServer.Large(2 * UrlImportHost.MaxBytes, announceLength));

        var id = await StartAsync(kit.Client, new { data_url = url });
        var failed = await WaitAsync(kit.Client, id, "failed");
        Assert.Equal(error, failed.GetProperty("error").GetString());
        Assert.Equal(0, failed.GetProperty("file_size").GetInt64());
        Assert.Equal(0, await kit.LedgerCountAsync());
    }

    [Fact]
    public async Task Another_organization_cannot_see_an_import_nor_use_a_mapping_it_does_not_own()
    {
        var owner = await StockKit.NewTenantAsync(host.Api);
        var intruder = await StockKit.NewTenantAsync(host.Api);
        var url = host.Source.BaseUrl + "/files/none-" + Guid.NewGuid().ToString("N");
        var id = await StartAsync(owner.Client, new { data_url = url });

        using var status = await intruder.Client.GetAsync($"/v1/integrations/erp/imports/{id}/status");
        await Envelopes.ErrorAsync(status, HttpStatusCode.NotFound, "NOT_FOUND");
        using var errors = await intruder.Client.GetAsync($"/v1/integrations/erp/imports/{id}/errors");
        await Envelopes.ErrorAsync(errors, HttpStatusCode.NotFound, "NOT_FOUND");
        using var list = await intruder.Client.GetAsync("/v1/inventory/imports");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Pagination.GetProperty("total").GetInt32());

        using var mapping = await owner.Client.PostAsJsonAsync("/v1/inventory/import-mappings", new
        {
            name = "ERP",
            import_type = "transactions",
            columns = new Dictionary<string, string> { ["quantity"] = "Qty" },
        });
        var mappingId = (await Envelopes.SuccessAsync(mapping, HttpStatusCode.Created)).GetProperty("id").GetString();
        using var borrowed = await intruder.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new { data_url = url, mapping_id = mappingId });
        var error = await Envelopes.ErrorAsync(borrowed, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("mapping_id", out _), error.ToString());

        using var own = await owner.Client.GetAsync($"/v1/integrations/erp/imports/{id}/status");
        Assert.Equal(id, (await Envelopes.SuccessAsync(own)).GetProperty("import_id").GetString());
    }

    [Theory]
    [InlineData("{}", "data_url")]
    [InlineData("""{"data_url":"ftp://example.com/file.csv"}""", "data_url")]
    [InlineData("""{"data_url":"https://example.com/f.csv","import_type":"ledger"}""", "import_type")]
    [InlineData("""{"data_url":"https://example.com/f.csv","format":"xml"}""", "format")]
    [InlineData("""{"data_url":"https://example.com/f.csv","authentication":{"type":"basic","key":"x"}}""", "authentication.type")]
    [InlineData("""{"data_url":"https://example.com/f.csv","authentication":{"type":"api_key"}}""", "authentication.key")]
    [InlineData("""{"data_url":"https://example.com/f.csv","authentication":{"type":"api_key","key":"k","header":"Host"}}""", "authentication.header")]
    [InlineData("""{"data_url":"https://example.com/f.csv","processing_options":{"error_handling":"explode"}}""", "processing_options.error_handling")]
    public async Task A_bad_body_is_a_400_naming_the_field(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync(host.Api);
        using var response = await kit.Client.PostAsync("/v1/integrations/erp/imports", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public void The_erp_import_routes_carry_the_bulk_rate_limit_tier_in_their_metadata()
    {
        var endpoints = host.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.Contains("integrations/erp/imports", StringComparison.Ordinal) == true)
            .ToList();
        Assert.Equal(3, endpoints.Count);
        var create = endpoints.Single(e => e.RoutePattern.RawText == "v1/integrations/erp/imports");
        Assert.NotNull(create.Metadata.GetMetadata<BulkOperationAttribute>());
        Assert.False(create.Metadata.GetMetadata<BulkOperationAttribute>()!.Upload); // a JSON body: the ordinary body limit
        Assert.NotNull(endpoints.Single(e => e.RoutePattern.RawText!.EndsWith("/errors", StringComparison.Ordinal)).Metadata.GetMetadata<BulkOperationAttribute>());
    }

    private async Task<string?> StoredCredentialsAsync(string id)
    {
        await using var connection = new NpgsqlConnection(host.Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT encode(source_credentials, 'hex') FROM import_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : (string?)value;
    }

    internal static async Task<string> StartAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/integrations/erp/imports", body);
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Accepted)).GetProperty("import_id").GetString()!;
    }

    /// <summary>Polls the spec's status route until the import is no longer processing (deadline 60 s).</summary>
    internal static async Task<JsonElement> WaitAsync(HttpClient client, string id, string expectedStatus)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await client.GetAsync($"/v1/integrations/erp/imports/{id}/status");
            var data = await Envelopes.SuccessAsync(response);
            var status = data.GetProperty("status").GetString();
            if (status != "processing")
            {
                Assert.True(expectedStatus == status, $"Import ended {status}: {data}");
                return data;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Import {id} still processing after 60 s: {data}");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// With the switch off (the default): a data_url on a private or loopback address is refused when the import is created (400),
/// and a host that resolves to a public address then and to a loopback one when the worker connects (DNS rebinding) fails the
/// job at connect time, before a byte is sent.
/// </summary>
public sealed class UrlImportPrivateTargetTests : IAsyncLifetime
{
    private readonly RebindingDns _dns = new();
    private ApiFactory _api = null!;
    private ImportSourceServer _source = null!;

    public async Task InitializeAsync()
    {
        _source = await ImportSourceServer.StartAsync();
        _api = await ApiFactory.StartAsync(
            new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "false", ["Imports:UrlFetchMaxAttempts"] = "1" },
            services => services.AddSingleton<IOutboundDns>(_dns));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _source.DisposeAsync();
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/files/a.csv", "Must use https")]
    [InlineData("https://127.0.0.1:{port}/files/a.csv", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://localhost:{port}/files/a.csv", "Must not point at a private, loopback, link-local or reserved address")]
    [InlineData("https://169.254.169.254/latest/meta-data", "Must not point at a private, loopback, link-local or reserved address")]
    public async Task A_private_or_loopback_data_url_is_refused_with_400_and_nothing_is_fetched(string template, string message)
    {
        var kit = await StockKit.NewTenantAsync(_api);
        var url = template.Replace("{port}", _source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/imports", new { data_url = url });
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(message, error.GetProperty("details").GetProperty("data_url").ToString(), StringComparison.Ordinal);
        using var list = await kit.Client.GetAsync("/v1/inventory/imports");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Pagination.GetProperty("total").GetInt32());
        Assert.Empty(_source.RequestsTo("/files/a.csv"));
    }

    [Fact]
    public async Task A_host_that_rebinds_to_loopback_after_validation_fails_the_job_at_connect_time()
    {
        var kit = await StockKit.NewTenantAsync(_api);
        var host = "erp-" + Guid.NewGuid().ToString("N")[..8] + ".example";
        var path = _source.Path(ImportSourceServer.File("transaction_type,sku,location_id,quantity\n"));
        var url = $"https://{host}:{_source.Port}{path}";

        var id = await UrlImportTests.StartAsync(kit.Client, new { data_url = url });
        var failed = await UrlImportTests.WaitAsync(kit.Client, id, "failed");
        Assert.Contains($"Outbound call to '{host}' refused", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_source.RequestsTo(path));
        Assert.True(_dns.Lookups(host) >= 2, "validated once, then judged again at connect time");
    }

    /// <summary>The first lookup of a host answers a public address, every later one loopback.</summary>
    private sealed class RebindingDns : IOutboundDns
    {
        private readonly ConcurrentDictionary<string, int> _lookups = new(StringComparer.OrdinalIgnoreCase);

        public int Lookups(string host) => _lookups.TryGetValue(host, out var n) ? n : 0;

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct)
        {
            var n = _lookups.AddOrUpdate(host, 1, (_, v) => v + 1);
            return Task.FromResult(n == 1 ? new[] { IPAddress.Parse("93.184.216.34") } : [IPAddress.Loopback]);
        }
    }
}
