using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Sync;

/// <summary>Inbound sync: each strategy with two (or three) sources disagreeing, the manual queue, and tenancy.</summary>
public sealed class SyncTests
{
    private static readonly DateTime T = new(2025, 1, 28, 10, 30, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Last_write_wins_keeps_the_later_timestamp_whatever_the_arrival_order()
    {
        var (kit, product, location) = await SetupAsync();
        var b = await SyncAsync(kit, new { source = "system_b", product_id = product, location_id = location, quantity = 95, updated_at = T.AddMinutes(1) });
        Assert.Equal("applied", b.GetProperty("outcome").GetString());
        Assert.Equal("last_write_wins", b.GetProperty("conflict_resolution").GetString());

        var a = await SyncAsync(kit, new { source = "system_a", product_id = product, location_id = location, quantity = 100, updated_at = T });
        Assert.Equal("skipped", a.GetProperty("outcome").GetString());
        Assert.Equal(95m, a.GetProperty("quantity").GetDecimal());
        Assert.Equal("system_b", a.GetProperty("updated_by").GetString());
        Assert.Equal(T.AddMinutes(1), a.GetProperty("last_updated").GetDateTime().ToUniversalTime());

        Assert.Equal(95m, (await kit.BalanceAsync(product, location)).OnHand);
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Version_strategy_applies_the_first_update_of_a_version_and_queues_the_second_as_a_conflict()
    {
        var (kit, product, location) = await SetupAsync(rules: [new { source = "*", field = "quantity", strategy = "version" }]);
        var current = await VersionAsync(kit, product, location);

        var a = await SyncAsync(kit, new { source = "system_a", product_id = product, location_id = location, quantity = 95, version = current + 1, updated_at = T });
        Assert.Equal("applied", a.GetProperty("outcome").GetString());
        var b = await SyncAsync(kit, new { source = "system_b", product_id = product, location_id = location, quantity = 98, version = current + 1, updated_at = T.AddSeconds(15) }, HttpStatusCode.Accepted);
        Assert.Equal("conflict", b.GetProperty("outcome").GetString());
        Assert.Equal(current + 1, b.GetProperty("current_version").GetInt64());
        Assert.True(b.GetProperty("resolution_required").GetBoolean());
        var proposals = b.GetProperty("conflicts").EnumerateArray().ToList();
        Assert.Equal(["system_a", "system_b"], proposals.Select(p => p.GetProperty("source").GetString()));
        Assert.Equal([95m, 98m], proposals.Select(p => p.GetProperty("proposed_quantity").GetDecimal()));
        Assert.All(proposals, p => Assert.Equal(current + 1, p.GetProperty("proposed_version").GetInt64()));
        Assert.Equal(95m, (await kit.BalanceAsync(product, location)).OnHand);

        var conflictId = b.GetProperty("conflict_id").GetString()!;
        Assert.StartsWith("conf_", conflictId);
        using var resolve = await kit.Client.PostAsJsonAsync($"/v1/conflicts/{conflictId}/resolve", new { source = "system_b" });
        var resolved = await Envelopes.SuccessAsync(resolve);
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Equal(98m, (await kit.BalanceAsync(product, location)).OnHand);
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Business_rule_rejects_a_negative_quantity_and_keeps_the_positive_one()
    {
        var (kit, product, location) = await SetupAsync(rules: [new { source = "*", field = "quantity", strategy = "business_rule" }]);
        await SyncAsync(kit, new { source = "system_a", product_id = product, location_id = location, quantity = 10 });
        var b = await SyncAsync(kit, new { source = "system_b", product_id = product, location_id = location, quantity = -5 });
        Assert.Equal("rejected", b.GetProperty("outcome").GetString());
        Assert.Equal("business_rule_violation", b.GetProperty("conflict_type").GetString());
        Assert.Equal("no_negative_inventory", b.GetProperty("rule").GetString());
        Assert.Equal(-5m, b.GetProperty("rejected_value").GetDecimal());
        Assert.Equal(10m, b.GetProperty("accepted_value").GetDecimal());
        Assert.Equal("business_rule_enforcement", b.GetProperty("resolution").GetString());
        Assert.Equal(10m, (await kit.BalanceAsync(product, location)).OnHand);

        // Without the business rule a negative value is simply bad input.
        using var plain = await kit.Client.PutAsJsonAsync("/v1/inventory/sync/rules", new { rules = Array.Empty<object>() });
        await Envelopes.SuccessAsync(plain);
        using var refused = await kit.Client.PostAsJsonAsync("/v1/inventory/sync", new { source = "system_b", product_id = product, location_id = location, quantity = -5 });
        await Envelopes.ErrorAsync(refused, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }

    [Fact]
    public async Task Additive_merge_sums_each_systems_allocation()
    {
        var (kit, product, location) = await SetupAsync();
        await SyncAsync(kit, new { source = "system_a", product_id = product, location_id = location, allocated = 20 });
        var merged = await SyncAsync(kit, new { source = "system_b", product_id = product, location_id = location, allocated = 25 });
        Assert.Equal("additive", merged.GetProperty("conflict_resolution").GetString());
        Assert.Equal(100m, merged.GetProperty("on_hand").GetDecimal());
        Assert.Equal(45m, merged.GetProperty("allocated").GetDecimal());
        Assert.Equal(20m, merged.GetProperty("allocated_by_source").GetProperty("system_a").GetDecimal());

        var lowered = await SyncAsync(kit, new { source = "system_a", product_id = product, location_id = location, allocated = 10 });
        Assert.Equal(35m, lowered.GetProperty("allocated").GetDecimal());
        Assert.Equal((100m, 35m, 65m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Field_level_merge_takes_each_attribute_from_its_latest_writer()
    {
        var (kit, product, _) = await SetupAsync();
        await SyncAsync(kit, new { source = "system_a", product_id = product, attributes = new { name = "Widget A", price = 25.00m, category = "electronics" }, updated_at = T });
        var merged = await SyncAsync(kit, new { source = "system_b", product_id = product, attributes = new { name = "Widget A", price = 24.50m, description = "Premium widget" }, updated_at = T.AddMinutes(1) });
        Assert.Equal("field_level", merged.GetProperty("conflict_resolution").GetString());
        var m = merged.GetProperty("merged");
        Assert.Equal("Widget A", m.GetProperty("name").GetString());
        Assert.Equal(24.5m, m.GetProperty("price").GetDecimal());
        Assert.Equal("electronics", m.GetProperty("category").GetString());
        Assert.Equal("Premium widget", m.GetProperty("description").GetString());

        var stale = await SyncAsync(kit, new { source = "system_a", product_id = product, attributes = new { price = 26m, category = "tools" }, updated_at = T.AddSeconds(30) });
        Assert.Equal(["category"], stale.GetProperty("fields_applied").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(["price"], stale.GetProperty("fields_kept").EnumerateArray().Select(f => f.GetString()));

        using var read = await kit.Client.GetAsync($"/v1/products/{product}");
        var p = await Envelopes.SuccessAsync(read);
        Assert.Equal(24.5m, p.GetProperty("price").GetProperty("amount").GetDecimal());
        Assert.Equal("tools", p.GetProperty("category").GetString());
    }

    [Fact]
    public async Task Manual_queue_collects_every_system_and_resolves_through_the_ledger_once()
    {
        var (kit, product, location) = await SetupAsync(rules: [new { source = "*", field = "quantity", strategy = "manual", conflict_priority = "high", assigned_to = "inventory_manager", resolution_hours = 2 }]);
        string? conflictId = null;
        foreach (var (source, quantity) in new[] { ("erp", 100m), ("wms", 95m), ("ecommerce", 98m) })
        {
            var queued = await SyncAsync(kit, new { source, product_id = product, location_id = location, quantity }, source == "erp" ? HttpStatusCode.OK : HttpStatusCode.Accepted);
            if (source != "erp")
            {
                conflictId ??= queued.GetProperty("conflict_id").GetString();
                Assert.Equal(conflictId, queued.GetProperty("conflict_id").GetString());
            }
        }

        using var list = await kit.Client.GetAsync($"/v1/conflicts?status=open&priority=high&product_id={product}");
        var (items, pagination) = await Envelopes.ListAsync(list);
        Assert.Equal(1, pagination.GetProperty("total").GetInt32());
        var conflict = items[0];
        Assert.Equal(conflictId, conflict.GetProperty("conflict_id").GetString());
        Assert.Equal("data_inconsistency", conflict.GetProperty("conflict_type").GetString());
        Assert.Equal("inventory_manager", conflict.GetProperty("assigned_to").GetString());
        Assert.True(conflict.GetProperty("resolution_deadline").GetDateTime() > DateTime.UtcNow.AddHours(1));
        Assert.Equal(["current", "wms", "ecommerce"], conflict.GetProperty("conflicting_systems").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(95m, conflict.GetProperty("values").GetProperty("wms").GetProperty("quantity").GetDecimal());
        Assert.Equal(100m, conflict.GetProperty("values").GetProperty("current").GetProperty("quantity").GetDecimal());

        var ledgerBefore = await kit.LedgerCountAsync(product);
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await kit.Client.PostAsJsonAsync($"/v1/conflicts/{conflictId}/resolve", new { quantity = 97, resolved_by = "inventory_manager" });
            await Envelopes.ReadAsync(response);
            return response.StatusCode;
        }));
        Assert.Equal(1, answers.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, answers.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(97m, (await kit.BalanceAsync(product, location)).OnHand);
        Assert.Equal(ledgerBefore + 1, await kit.LedgerCountAsync(product));
        await kit.AssertAuditCleanAsync();

        using var decisions = await kit.Client.GetAsync($"/v1/inventory/sync/decisions?conflict_id={conflictId}&outcome=resolved");
        var (resolvedDecisions, _) = await Envelopes.ListAsync(decisions);
        Assert.Equal("manual", Assert.Single(resolvedDecisions.EnumerateArray()).GetProperty("strategy").GetString());
    }

    [Theory]
    [InlineData("{\"product_id\":\"{p}\",\"location_id\":\"{l}\",\"quantity\":1}", "source")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"{p}\",\"location_id\":\"{l}\",\"quantity\":1,\"allocated\":2}", "quantity")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"{p}\",\"location_id\":\"{l}\"}", "quantity")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"{p}\",\"quantity\":1}", "location_id")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"prod_nope\",\"location_id\":\"{l}\",\"quantity\":1}", "product_id")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"{p}\",\"location_id\":\"loc_nope\",\"quantity\":1}", "location_id")]
    [InlineData("{\"source\":\"erp\",\"product_id\":\"{p}\",\"attributes\":{\"price\":-1}}", "attributes.price")]
    [InlineData("{\"source\":\"ERP!\",\"product_id\":\"{p}\",\"location_id\":\"{l}\",\"quantity\":1}", "source")]
    public async Task Bad_sync_requests_are_400_with_the_field(string body, string field)
    {
        var (kit, product, location) = await SetupAsync();
        using var content = new StringContent(body.Replace("{p}", product).Replace("{l}", location), System.Text.Encoding.UTF8, "application/json");
        using var response = await kit.Client.PostAsync("/v1/inventory/sync", content);
        var error = await Envelopes.ErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty(field, out _), error.ToString());
    }

    [Fact]
    public async Task Bad_rules_are_400_and_the_version_strategy_needs_a_version()
    {
        var (kit, product, location) = await SetupAsync();
        using var wrong = await kit.Client.PutAsJsonAsync("/v1/inventory/sync/rules", new { rules = new[] { new { source = "*", field = "allocated", strategy = "version" } } });
        var error = await Envelopes.ErrorAsync(wrong, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").TryGetProperty("rules[0].strategy", out _), error.ToString());

        using var ok = await kit.Client.PutAsJsonAsync("/v1/inventory/sync/rules", new { rules = new[] { new { source = "erp", field = "quantity", strategy = "version" } } });
        await Envelopes.SuccessAsync(ok);
        using var noVersion = await kit.Client.PostAsJsonAsync("/v1/inventory/sync", new { source = "erp", product_id = product, location_id = location, quantity = 3 });
        var versionError = await Envelopes.ErrorAsync(noVersion, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(versionError.GetProperty("details").TryGetProperty("version", out _));
        // Other sources still fall back to the default (last_write_wins).
        var other = await SyncAsync(kit, new { source = "wms", product_id = product, location_id = location, quantity = 3 });
        Assert.Equal("last_write_wins", other.GetProperty("conflict_resolution").GetString());

        using var rules = await kit.Client.GetAsync("/v1/inventory/sync/rules");
        var (items, _) = await Envelopes.ListAsync(rules);
        Assert.Equal("version", Assert.Single(items.EnumerateArray()).GetProperty("strategy").GetString());
    }

    [Fact]
    public async Task Another_organization_cannot_see_resolve_or_sync_into_a_conflict()
    {
        var (owner, product, location) = await SetupAsync(rules: [new { source = "*", field = "quantity", strategy = "manual" }]);
        var queued = await SyncAsync(owner, new { source = "erp", product_id = product, location_id = location, quantity = 7 }, HttpStatusCode.Accepted);
        var conflictId = queued.GetProperty("conflict_id").GetString()!;
        var other = await StockKit.NewTenantAsync(owner.Api);

        using var get = await other.Client.GetAsync($"/v1/conflicts/{conflictId}");
        await Envelopes.ErrorAsync(get, HttpStatusCode.NotFound, "NOT_FOUND");
        using var resolve = await other.Client.PostAsJsonAsync($"/v1/conflicts/{conflictId}/resolve", new { quantity = 1 });
        await Envelopes.ErrorAsync(resolve, HttpStatusCode.NotFound, "NOT_FOUND");
        using var sync = await other.Client.PostAsJsonAsync("/v1/inventory/sync", new { source = "erp", product_id = product, location_id = location, quantity = 1 });
        await Envelopes.ErrorAsync(sync, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        using var list = await other.Client.GetAsync("/v1/conflicts");
        Assert.Equal(0, (await Envelopes.ListAsync(list)).Items.GetArrayLength());
        using var decisions = await other.Client.GetAsync("/v1/inventory/sync/decisions");
        Assert.Equal(0, (await Envelopes.ListAsync(decisions)).Items.GetArrayLength());
        Assert.Equal(100m, (await owner.BalanceAsync(product, location)).OnHand);
    }

    private static async Task<(StockKit Kit, string Product, string Location)> SetupAsync(object[]? rules = null)
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 100);
        if (rules is not null)
        {
            using var response = await kit.Client.PutAsJsonAsync("/v1/inventory/sync/rules", new { rules });
            await Envelopes.SuccessAsync(response);
        }

        return (kit, product, location);
    }

    private static async Task<JsonElement> SyncAsync(StockKit kit, object body, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/sync", body);
        return await Envelopes.SuccessAsync(response, status);
    }

    private static async Task<long> VersionAsync(StockKit kit, string product, string location)
    {
        using var response = await kit.Client.GetAsync($"/v1/products/{product}/inventory/{location}");
        return (await Envelopes.SuccessAsync(response)).GetProperty("version").GetInt64();
    }
}
