using Npgsql;
using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>ERP batch integration: GL mapping, cost adjustments through the ledger, scheduled exports run exactly once.</summary>
public sealed class ErpTests
{
    [Fact]
    public async Task Creating_a_schedule_answers_201_with_the_spec_body()
    {
        var kit = await StockKit.NewTenantAsync();
        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/exports/schedule", new
        {
            export_name = "daily_financial_sync",
            schedule = "0 2 * * *",
            data_types = new[] { "inventory_transactions", "cost_adjustments", "valuation_snapshots" },
            filters = new { date_range = "previous_day", transaction_types = new[] { "receipt", "shipment", "adjustment" }, locations = new[] { "warehouse", "retail" } },
            format = "json",
            compression = "gzip",
            encryption = "aes256",
        });
        var data = await Envelopes.SuccessAsync(response, HttpStatusCode.Created);
        Assert.StartsWith("sched_", data.GetProperty("schedule_id").GetString());
        var next = data.GetProperty("next_execution").GetDateTime().ToUniversalTime();
        Assert.Equal(new TimeSpan(2, 0, 0), next.TimeOfDay);
        Assert.InRange(next - DateTime.UtcNow, TimeSpan.Zero, TimeSpan.FromDays(1));
        Assert.Equal("/v1/exports/{export_id}/download", data.GetProperty("export_url_pattern").GetString());
        Assert.Equal(30, data.GetProperty("retention_days").GetInt32());
        Assert.Equal(32, Convert.FromBase64String(data.GetProperty("encryption_key").GetString()!).Length);

        using var read = await kit.Client.GetAsync($"/v1/integrations/erp/exports/schedules/{data.GetProperty("schedule_id").GetString()}");
        Assert.Equal(JsonValueKind.Null, (await Envelopes.SuccessAsync(read)).GetProperty("encryption_key").ValueKind);
    }

    [Fact]
    public async Task A_scheduled_export_has_metadata_gl_accounts_cost_adjustments_and_valuations_recomputed_from_the_ledger()
    {
        var kit = await StockKit.NewTenantAsync();
        using (var gl = await kit.Client.PutAsJsonAsync("/v1/organization/settings/gl-accounts", new
        {
            default_account = "1200-INVENTORY",
            rules = new object[] { new { transaction_type = "shipment", account = "5000-COGS" }, new { transaction_type = "receipt", location_type = "retail", account = "1300-STORE" } },
        }))
        {
            await Envelopes.SuccessAsync(gl);
        }

        var product = await kit.ProductAsync("ERP-WIDGET");
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 100, unitCost: new { amount = 25.50m, currency = "USD" });
        await kit.BookAsync("shipment", product, location, 30);
        using (var adjustment = await kit.Client.PostAsJsonAsync("/v1/inventory/cost-adjustments", new
        {
            product_id = product, location_id = location, adjustment_type = "standard_cost_update", new_cost = new { amount = 26.00m, currency = "USD" },
            reason = "supplier_price_increase", approved_by = "cost_manager",
        }))
        {
            var adj = await Envelopes.SuccessAsync(adjustment, HttpStatusCode.Created);
            Assert.StartsWith("adj_", adj.GetProperty("adjustment_id").GetString());
            Assert.Equal(25.5m, adj.GetProperty("previous_cost").GetDecimal());
            Assert.Equal(70m, adj.GetProperty("quantity_affected").GetDecimal());
            Assert.Equal(35m, adj.GetProperty("total_impact").GetDecimal());
        }

        var scheduleId = await ScheduleAsync(kit, "0 2 * * *", "since_last_run", transactionTypes: ["receipt", "shipment"]);
        await MakeDueAsync(kit.Api, scheduleId, "now()");
        var run = await WaitForRunsAsync(kit, scheduleId, 1);
        var exportId = run[0].GetProperty("export_id").GetString()!;
        var done = await ExportKit.WaitAsync(kit.Client, exportId);
        var file = JsonDocument.Parse(await ExportKit.DownloadAsync(kit.Client, done)).RootElement;

        var metadata = file.GetProperty("export_metadata");
        Assert.Equal(exportId, metadata.GetProperty("export_id").GetString());
        Assert.Equal(2, metadata.GetProperty("record_counts").GetProperty("inventory_transactions").GetInt64());
        Assert.Equal(1, metadata.GetProperty("record_counts").GetProperty("cost_adjustments").GetInt64());
        Assert.Equal(1, metadata.GetProperty("record_counts").GetProperty("valuation_snapshots").GetInt64());
        Assert.True(metadata.GetProperty("data_period").GetProperty("end").GetDateTime() > metadata.GetProperty("data_period").GetProperty("start").GetDateTime());

        var transactions = file.GetProperty("inventory_transactions").EnumerateArray().ToList();
        Assert.Equal(["receipt", "shipment"], transactions.Select(t => t.GetProperty("transaction_type").GetString()));
        Assert.Equal(["1200-INVENTORY", "5000-COGS"], transactions.Select(t => t.GetProperty("gl_account").GetString()));
        Assert.All(transactions, t => Assert.Equal("ERP-WIDGET", t.GetProperty("sku").GetString()));
        Assert.Equal(2550m, transactions[0].GetProperty("total_cost").GetProperty("amount").GetDecimal());

        var cost = Assert.Single(file.GetProperty("cost_adjustments").EnumerateArray());
        Assert.Equal("supplier_price_increase", cost.GetProperty("reason").GetString());
        Assert.Equal(26m, cost.GetProperty("new_cost").GetDecimal());

        var valuation = Assert.Single(file.GetProperty("valuation_snapshots").EnumerateArray());
        Assert.Equal(70m, valuation.GetProperty("quantity").GetDecimal());
        Assert.Equal(26m, valuation.GetProperty("average_cost").GetDecimal());
        Assert.Equal(1820m, valuation.GetProperty("value").GetDecimal());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task With_two_instances_each_occurrence_runs_exactly_once_and_missed_ones_catch_up()
    {
        await using var first = await ApiFactory.StartAsync();
        await using var second = ApiFactory.StartAnotherInstance(first);
        _ = second.Server;
        var kit = await StockKit.NewTenantAsync(first);
        await kit.BookAsync("receipt", await kit.ProductAsync(), await kit.LocationAsync(), 5);
        var scheduleId = await ScheduleAsync(kit, "* * * * *", "previous_day");
        // As if no instance had been up for the last three minutes.
        await MakeDueAsync(first, scheduleId, "date_trunc('minute', now()) - interval '3 minutes'");

        var runs = await WaitForRunsAsync(kit, scheduleId, 4);
        var slots = runs.Select(r => r.GetProperty("scheduled_for").GetDateTime().ToUniversalTime()).Order().ToList();
        Assert.Equal(slots.Count, slots.Distinct().Count());
        for (var i = 1; i < slots.Count; i++)
        {
            Assert.Equal(TimeSpan.FromMinutes(1), slots[i] - slots[i - 1]);
        }

        foreach (var run in runs)
        {
            await ExportKit.WaitAsync(kit.Client, run.GetProperty("export_id").GetString()!);
        }

        await using var connection = new NpgsqlConnection(first.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), count(DISTINCT scheduled_for), (SELECT count(*) FROM export_jobs WHERE schedule_id = @id) FROM erp_schedule_runs WHERE schedule_id = @id", connection);
        command.Parameters.AddWithValue("id", scheduleId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(1));
        Assert.Equal(reader.GetInt64(0), reader.GetInt64(2));

        using var schedule = await kit.Client.GetAsync($"/v1/integrations/erp/exports/schedules/{scheduleId}");
        Assert.True((await Envelopes.SuccessAsync(schedule)).GetProperty("next_execution").GetDateTime().ToUniversalTime() > DateTime.UtcNow.AddSeconds(-5));
    }

    [Fact]
    public async Task Schedules_pause_resume_list_and_delete()
    {
        var kit = await StockKit.NewTenantAsync();
        var id = await ScheduleAsync(kit, "30 4 * * 1", "previous_week");
        using (var pause = await kit.Client.PostAsync($"/v1/integrations/erp/exports/schedules/{id}/pause", null))
        {
            var paused = await Envelopes.SuccessAsync(pause);
            Assert.Equal("paused", paused.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, paused.GetProperty("next_execution").ValueKind);
        }

        using (var list = await kit.Client.GetAsync("/v1/integrations/erp/exports/schedules?status=paused"))
        {
            Assert.Equal(1, (await Envelopes.ListAsync(list)).Pagination.GetProperty("total").GetInt32());
        }

        using (var resume = await kit.Client.PostAsync($"/v1/integrations/erp/exports/schedules/{id}/resume", null))
        {
            var resumed = await Envelopes.SuccessAsync(resume);
            Assert.Equal(DayOfWeek.Monday, resumed.GetProperty("next_execution").GetDateTime().ToUniversalTime().DayOfWeek);
        }

        using (var runs = await kit.Client.GetAsync($"/v1/integrations/erp/exports/schedules/{id}/runs"))
        {
            Assert.Equal(0, (await Envelopes.ListAsync(runs)).Items.GetArrayLength());
        }

        using (var delete = await kit.Client.DeleteAsync($"/v1/integrations/erp/exports/schedules/{id}"))
        {
            await Envelopes.SuccessAsync(delete);
        }

        using var gone = await kit.Client.GetAsync($"/v1/integrations/erp/exports/schedules/{id}");
        await Envelopes.ErrorAsync(gone, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Theory]
    [InlineData("{\"export_name\":\"x\",\"schedule\":\"every day\",\"data_types\":[\"inventory_transactions\"]}", "schedule")]
    [InlineData("{\"export_name\":\"x\",\"schedule\":\"0 2 * * *\",\"data_types\":[\"orders\"]}", "data_types[0]")]
    [InlineData("{\"export_name\":\"x\",\"schedule\":\"0 2 * * *\",\"data_types\":[]}", "data_types")]
    [InlineData("{\"export_name\":\"x\",\"schedule\":\"0 2 * * *\",\"data_types\":[\"cost_adjustments\"],\"format\":\"csv\"}", "format")]
    [InlineData("{\"export_name\":\"x\",\"schedule\":\"0 2 * * *\",\"data_types\":[\"cost_adjustments\"],\"filters\":{\"date_range\":\"yesterday\"}}", "filters.date_range")]
    [InlineData("{\"schedule\":\"0 2 * * *\",\"data_types\":[\"cost_adjustments\"]}", "export_name")]
    public async Task Bad_schedules_are_400_with_the_field(string body, string field)
    {
        var kit = await StockKit.NewTenantAsync();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await kit.Client.PostAsync("/v1/integrations/erp/exports/schedule", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Bad_cost_adjustments_and_gl_mappings_are_400()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        using var negative = await kit.Client.PostAsJsonAsync("/v1/inventory/cost-adjustments", new { product_id = product, location_id = location, new_cost = new { amount = -1, currency = "USD" } });
        var error = await Envelopes.ErrorAsync(negative, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("new_cost.amount", out _), error.ToString());
        using var unknown = await kit.Client.PostAsJsonAsync("/v1/inventory/cost-adjustments", new { product_id = "prod_nope", location_id = location, new_cost = new { amount = 1, currency = "USD" } });
        await Envelopes.ErrorAsync(unknown, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var gl = await kit.Client.PutAsJsonAsync("/v1/organization/settings/gl-accounts", new { default_account = "", rules = new[] { new { account = "X" } } });
        var glError = await Envelopes.ErrorAsync(gl, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(glError.GetProperty("details").TryGetProperty("default_account", out _), glError.ToString());
    }

    [Fact]
    public async Task Another_organization_cannot_see_schedules_cost_adjustments_or_gl_accounts()
    {
        var owner = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(owner.Api);
        var product = await owner.ProductAsync();
        var location = await owner.LocationAsync();
        var scheduleId = await ScheduleAsync(owner, "0 2 * * *", "previous_day");
        using var adjustment = await owner.Client.PostAsJsonAsync("/v1/inventory/cost-adjustments", new { product_id = product, location_id = location, new_cost = new { amount = 3, currency = "USD" } });
        var adjustmentId = (await Envelopes.SuccessAsync(adjustment, HttpStatusCode.Created)).GetProperty("adjustment_id").GetString()!;
        using (var gl = await owner.Client.PutAsJsonAsync("/v1/organization/settings/gl-accounts", new { default_account = "9999-SECRET", rules = Array.Empty<object>() }))
        {
            await Envelopes.SuccessAsync(gl);
        }

        foreach (var path in new[] { $"/v1/integrations/erp/exports/schedules/{scheduleId}", $"/v1/integrations/erp/exports/schedules/{scheduleId}/runs", $"/v1/inventory/cost-adjustments/{adjustmentId}" })
        {
            using var response = await other.Client.GetAsync(path);
            await Envelopes.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using var pause = await other.Client.PostAsync($"/v1/integrations/erp/exports/schedules/{scheduleId}/pause", null);
        await Envelopes.ErrorAsync(pause, HttpStatusCode.NotFound, "NOT_FOUND");
        using var delete = await other.Client.DeleteAsync($"/v1/integrations/erp/exports/schedules/{scheduleId}");
        await Envelopes.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        using var post = await other.Client.PostAsJsonAsync("/v1/inventory/cost-adjustments", new { product_id = product, location_id = location, new_cost = new { amount = 1, currency = "USD" } });
        await Envelopes.ErrorAsync(post, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var glRead = await other.Client.GetAsync("/v1/organization/settings/gl-accounts");
        Assert.Equal("1200-INVENTORY", (await Envelopes.SuccessAsync(glRead)).GetProperty("default_account").GetString());
        using var list = await other.Client.GetAsync("/v1/inventory/cost-adjustments");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
    }

    private static async Task<string> ScheduleAsync(StockKit kit, string cron, string dateRange, string[]? transactionTypes = null)
    {
        using var response = await kit.Client.PostAsJsonAsync("/v1/integrations/erp/exports/schedule", new
        {
            export_name = "test", schedule = cron,
            data_types = new[] { "inventory_transactions", "cost_adjustments", "valuation_snapshots" },
            filters = new { date_range = dateRange, transaction_types = transactionTypes },
        });
        return (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("schedule_id").GetString()!;
    }

    private static async Task MakeDueAsync(ApiFactory api, string scheduleId, string sqlTime)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"UPDATE erp_export_schedules SET next_run_at = {sqlTime} WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", scheduleId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<List<JsonElement>> WaitForRunsAsync(StockKit kit, string scheduleId, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await kit.Client.GetAsync($"/v1/integrations/erp/exports/schedules/{scheduleId}/runs?pageSize=100");
            var (items, _) = await Envelopes.ListAsync(response);
            var runs = items.EnumerateArray().ToList();
            if (runs.Count >= atLeast)
            {
                return runs;
            }

            Assert.True(DateTime.UtcNow < deadline, $"only {runs.Count} runs of {scheduleId} after 60 s");
            await Task.Delay(200);
        }
    }
}
