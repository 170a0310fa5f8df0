using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Features.Events;
using Smackdab.Inventory.Domain.Features.Ledger;
using Smackdab.Inventory.Tests.Integration.Ledger;
using Smackdab.Inventory.Tests.Support.Contracts;

namespace Smackdab.Inventory.Tests.Integration.Events;

public sealed class OutboxTests
{
    [Fact]
    public async Task Every_kind_of_change_emits_its_events_and_each_validates_against_hooks_yaml()
    {
        var kit = await StockKit.NewTenantAsync();
        var client = kit.Client;
        var product = await kit.ProductAsync("EVT-001");
        using (var patch = await client.PatchAsync($"/v1/products/{product}", JsonContent.Create(new { name = "Renamed", category = "electronics" })))
        {
            await Envelopes.SuccessAsync(patch);
        }

        var main = await kit.LocationAsync("Main Warehouse");
        var second = await kit.LocationAsync("Second");
        var doomed = await kit.LocationAsync("Doomed");
        using (var patch = await client.PatchAsync($"/v1/locations/{second}", JsonContent.Create(new { code = "SEC" })))
        {
            await Envelopes.SuccessAsync(patch);
        }

        using (var delete = await client.DeleteAsync($"/v1/locations/{doomed}"))
        {
            Assert.True(delete.IsSuccessStatusCode, await delete.Content.ReadAsStringAsync());
        }

        var receipt = await kit.BookAsync("receipt", product, main, 100, unitCost: new { amount = 25.5m, currency = "USD" });
        await kit.BookAsync("shipment", product, main, 5);
        using (var batch = await client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new[]
            {
                new { transaction_type = "adjustment", product_id = product, location_id = main, quantity = new { value = -1 }, reason_code = (string?)"DAMAGE" },
                new { transaction_type = "return", product_id = product, location_id = main, quantity = new { value = 1 }, reason_code = (string?)null },
            },
        }))
        {
            await Envelopes.SuccessAsync(batch, HttpStatusCode.Created);
        }

        using (var transfer = await client.PostAsJsonAsync("/v1/inventory/transfers", new
        {
            source_location_id = main, destination_location_id = second, product_id = product, quantity = new { value = 10 },
        }))
        {
            await Envelopes.SuccessAsync(transfer, HttpStatusCode.Created);
        }

        var allocation = await PostAsync(client, "/v1/allocations", new { product_id = product, location_id = main, quantity = new { value = 10 }, reference = "SO-1" });
        var allocationId = allocation.GetProperty("id").GetString();
        await PostAsync(client, $"/v1/allocations/{allocationId}/releases", new { quantity = new { value = 2 } }, HttpStatusCode.OK);
        await PostAsync(client, $"/v1/allocations/{allocationId}/fulfillments", new { }, HttpStatusCode.OK);

        var committed = await PrepareAsync(client, product, main, ttl: 300);
        await PostAsync(client, $"/v1/inventory/transactions/{committed}/commit", null, HttpStatusCode.OK);
        var aborted = await PrepareAsync(client, product, main, ttl: 300);
        await PostAsync(client, $"/v1/inventory/transactions/{aborted}/abort", null, HttpStatusCode.OK);
        var expiring = await PrepareAsync(client, product, main, ttl: 1);
        await ExpireAsync(kit.Api, expiring);

        using (var delete = await client.DeleteAsync($"/v1/products/{await kit.ProductAsync("EVT-GONE")}"))
        {
            Assert.True(delete.IsSuccessStatusCode);
        }

        var events = await FeedKit.EventsAsync(kit.Api, kit.Tenant.OrganizationId);

        Assert.Empty(events.SelectMany(HooksSchema.Validate));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence()));
        Assert.All(events, e => Assert.Equal(kit.Tenant.OrganizationId, e.GetProperty("organization_id").GetString()));
        Assert.Equal(events.Count, events.Select(e => e.GetProperty("event_id").GetString()).Distinct().Count());
        // Every catalogued type was emitted, and nothing that is not catalogued.
        Assert.Equal(HooksSchema.EventTypes.Order(), events.Select(e => e.Type()).Distinct().Order());
        Assert.Equal(EventTypes.All.Order(), HooksSchema.EventTypes.Order());
        Assert.Equal(EventTypes.StreamNames.OrderBy(p => p.Key), HooksSchema.StreamNames.OrderBy(p => p.Key));

        // The spec's inventory.quantity.updated, field by field, for the receipt.
        var receiptId = receipt.GetProperty("id").GetString();
        var updated = Assert.Single(events, e => e.Type() == EventTypes.QuantityUpdated && e.Data().GetProperty("transaction_id").GetString() == receiptId).Data();
        Assert.Equal(product, updated.GetProperty("product_id").GetString());
        Assert.Equal("EVT-001", updated.GetProperty("sku").GetString());
        Assert.Equal(main, updated.GetProperty("location_id").GetString());
        Assert.Equal("Main Warehouse", updated.GetProperty("location_name").GetString());
        Assert.Equal(0m, updated.GetProperty("previous_quantity").GetDecimal());
        Assert.Equal(100m, updated.GetProperty("current_quantity").GetDecimal());
        Assert.Equal(100m, updated.GetProperty("available_quantity").GetDecimal());
        Assert.Equal(0m, updated.GetProperty("allocated_quantity").GetDecimal());
        Assert.Equal("receipt", updated.GetProperty("change_reason").GetString());

        // The schema check is not vacuous: the same event without its sku, or with an unknown field, is refused.
        var withoutSku = System.Text.Json.Nodes.JsonNode.Parse(events.First(e => e.Type() == EventTypes.QuantityUpdated).GetRawText())!;
        withoutSku["data"]!.AsObject().Remove("sku");
        Assert.NotEmpty(HooksSchema.Validate(JsonDocument.Parse(withoutSku.ToJsonString()).RootElement));
        withoutSku["data"]!["sku"] = "X";
        withoutSku["data"]!["surprise"] = 1;
        Assert.NotEmpty(HooksSchema.Validate(JsonDocument.Parse(withoutSku.ToJsonString()).RootElement));

        var created = Assert.Single(events, e => e.Type() == EventTypes.TransactionCreated && e.Data().GetProperty("transaction_id").GetString() == receiptId);
        Assert.Equal(25.5m, created.Data().GetProperty("unit_cost").GetProperty("amount").GetDecimal());
        Assert.Equal(kit.Tenant.BranchId, created.GetProperty("branch_id").GetString());

        // An allocation moves available, not on hand.
        var allocated = Assert.Single(events, e => e.Type() == EventTypes.QuantityUpdated && e.Data().GetProperty("change_reason").GetString() == "allocation").Data();
        Assert.Equal(allocated.GetProperty("previous_quantity").GetDecimal(), allocated.GetProperty("current_quantity").GetDecimal());
        Assert.Equal(10m, allocated.GetProperty("allocated_quantity").GetDecimal());
        Assert.Equal(JsonValueKind.Null, allocated.GetProperty("transaction_id").ValueKind);

        var productEvents = events.Where(e => e.Type().StartsWith("inventory.product.", StringComparison.Ordinal)).ToList();
        Assert.All(productEvents, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("branch_id").ValueKind));
        var renamed = Assert.Single(events, e => e.Type() == EventTypes.ProductUpdated).Data();
        Assert.Equal(["category", "name"], renamed.GetProperty("changed_fields").EnumerateArray().Select(f => f.GetString()).Order());
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Concurrent_writes_get_a_gap_free_sequence_in_commit_order_and_refused_writes_leave_no_event()
    {
        var kit = await StockKit.NewTenantAsync();
        var products = new[] { await kit.ProductAsync(), await kit.ProductAsync(), await kit.ProductAsync() };
        var location = await kit.LocationAsync();
        var before = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);

        // Receipts of 1 and shipments of 1 against thin stock race: some shipments are refused and must leave no trace.
        var calls = Enumerable.Range(0, 60).Select(async i =>
        {
            using var response = await kit.PostAsync(i % 2 == 0 ? "receipt" : "shipment", products[i % 3], location, 1);
            return response.StatusCode;
        });
        var statuses = await Task.WhenAll(calls);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict, s.ToString()));
        var booked = statuses.Count(s => s == HttpStatusCode.Created);

        var events = await FeedKit.EventsAsync(kit.Api, kit.Tenant.OrganizationId, before);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => before + i), events.Select(e => e.Sequence()));
        Assert.Equal(booked, events.Count(e => e.Type() == EventTypes.TransactionCreated));
        Assert.Equal(booked, events.Count(e => e.Type() == EventTypes.QuantityUpdated));
        Assert.Equal(booked + 0, await kit.LedgerCountAsync());

        // Per balance, quantity events chain: each one's previous is the one before's current (commit order = sequence order).
        foreach (var group in events.Where(e => e.Type() == EventTypes.QuantityUpdated).GroupBy(e => e.Data().GetProperty("product_id").GetString()))
        {
            var current = 0m;
            foreach (var e in group)
            {
                Assert.Equal(current, e.Data().GetProperty("previous_quantity").GetDecimal());
                current = e.Data().GetProperty("current_quantity").GetDecimal();
            }

            Assert.Equal((current, 0m, current), await kit.BalanceAsync(group.Key!, location));
        }

        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task A_refused_request_writes_no_event()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 1);
        var head = await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId);

        using var refused = await kit.PostAsync("shipment", product, location, 5);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");
        using var batch = await kit.Client.PostAsJsonAsync("/v1/inventory/transactions/batch", new
        {
            transactions = new object[]
            {
                new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 3 } },
                new { transaction_type = "shipment", product_id = product, location_id = location, quantity = new { value = 50 } },
            },
        });
        Assert.Equal(HttpStatusCode.Conflict, batch.StatusCode);

        Assert.Equal(head, await FeedKit.HeadAsync(kit.Api, kit.Tenant.OrganizationId));
    }

    [Fact]
    public async Task A_reader_sees_only_its_organization_and_with_a_branch_only_that_branch_and_organization_wide_events()
    {
        var kit = await StockKit.NewTenantAsync();
        var other = await StockKit.NewTenantAsync(kit.Api);
        var product = await kit.ProductAsync();
        var mainLocation = await kit.LocationAsync("Main branch location");
        using var branchResponse = await kit.Client.PostAsJsonAsync("/v1/branches", new { name = "North" });
        var north = (await Envelopes.SuccessAsync(branchResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        using var northClient = kit.Tenant.Client(kit.Api, branchId: north);
        using var locationResponse = await northClient.PostAsJsonAsync("/v1/locations", new { name = "North location" });
        var northLocation = (await Envelopes.SuccessAsync(locationResponse, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await kit.BookAsync("receipt", product, mainLocation, 3);
        await kit.BookAsync("receipt", product, northLocation, 4);
        await other.BookAsync("receipt", await other.ProductAsync(), await other.LocationAsync(), 9);

        var all = await FeedKit.EventsAsync(kit.Api, kit.Tenant.OrganizationId);
        Assert.All(all, e => Assert.Equal(kit.Tenant.OrganizationId, e.GetProperty("organization_id").GetString()));
        Assert.Contains(all, e => e.GetProperty("branch_id").GetString() == north);

        var mainOnly = await FeedKit.EventsAsync(kit.Api, kit.Tenant.OrganizationId, filter: new EventFilter { BranchId = kit.Tenant.BranchId });
        Assert.DoesNotContain(mainOnly, e => e.GetProperty("branch_id").ValueKind == JsonValueKind.String && e.GetProperty("branch_id").GetString() != kit.Tenant.BranchId);
        Assert.Contains(mainOnly, e => e.Type() == EventTypes.ProductCreated);
        Assert.Contains(mainOnly, e => e.Type() == EventTypes.QuantityUpdated && e.Data().GetProperty("location_id").GetString() == mainLocation);
        Assert.DoesNotContain(mainOnly, e => e.Data().TryGetProperty("location_id", out var l) && l.GetString() == northLocation);

        var northOnly = await FeedKit.EventsAsync(kit.Api, kit.Tenant.OrganizationId, filter: new EventFilter { BranchId = north });
        Assert.Contains(northOnly, e => e.Type() == EventTypes.QuantityUpdated && e.Data().GetProperty("location_id").GetString() == northLocation);
        Assert.DoesNotContain(northOnly, e => e.Data().TryGetProperty("location_id", out var l) && l.GetString() == mainLocation);
    }

    [Fact]
    public async Task Filters_by_type_location_and_category_skip_without_rescanning()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var a = await kit.LocationAsync("A");
        var b = await kit.LocationAsync("B");
        for (var i = 0; i < 5; i++)
        {
            await kit.BookAsync("receipt", product, i % 2 == 0 ? a : b, 1);
        }

        await using var scope = kit.Api.Services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<EventReader>();
        var page = await reader.ReadAsync(kit.Tenant.OrganizationId, 0, new EventFilter { EventTypes = [EventTypes.QuantityUpdated], LocationIds = [b] }, 100, CancellationToken.None);
        Assert.Equal(2, page.Events.Count);
        Assert.All(page.Events, e => Assert.Equal(b, e.LocationId));
        Assert.Equal(page.Head, page.NextAfter);
        Assert.False(page.HasMore);

        var limited = await reader.ReadAsync(kit.Tenant.OrganizationId, 0, EventFilter.None, 2, CancellationToken.None);
        Assert.Equal([1L, 2L], limited.Events.Select(e => e.Sequence));
        Assert.Equal(2, limited.NextAfter);
        Assert.True(limited.HasMore);
    }

    [Fact]
    public async Task Positions_older_than_retention_require_a_full_sync()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 1);
        var organizationId = kit.Tenant.OrganizationId;

        await using var scope = kit.Api.Services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<EventReader>();
        var head = (await reader.PositionsAsync(organizationId, CancellationToken.None)).Head;
        var deleted = await scope.ServiceProvider.GetRequiredService<EventRetention>()
            .PruneAsync(DateTime.UtcNow.AddMinutes(1), 1000, CancellationToken.None, organizationId);
        Assert.Equal(head, deleted);

        var stale = await reader.ReadAsync(organizationId, 0, EventFilter.None, 100, CancellationToken.None);
        Assert.True(stale.FullSyncRequired);
        Assert.Empty(stale.Events);
        Assert.Null(await reader.PositionAtAsync(organizationId, DateTime.UtcNow.AddDays(-1), CancellationToken.None));

        var current = await reader.ReadAsync(organizationId, head, EventFilter.None, 100, CancellationToken.None);
        Assert.False(current.FullSyncRequired);

        // The sequence goes on after the cut.
        await kit.BookAsync("receipt", product, location, 1);
        var next = await reader.ReadAsync(organizationId, head, EventFilter.None, 100, CancellationToken.None);
        Assert.Equal(head + 1, next.Events[0].Sequence);
    }

    [Fact]
    public async Task A_committed_write_wakes_waiting_consumers_through_postgres_notify()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var signal = kit.Api.Services.GetRequiredService<EventSignal>();

        var woken = signal.NextAsync(kit.Tenant.OrganizationId);
        Assert.False(woken.IsCompleted);
        await kit.BookAsync("receipt", product, location, 1);
        await woken.WaitAsync(TimeSpan.FromSeconds(15));
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object? body, HttpStatusCode status = HttpStatusCode.Created)
    {
        using var response = body is null ? await client.PostAsync(path, null) : await client.PostAsJsonAsync(path, body);
        return await Envelopes.SuccessAsync(response, status);
    }

    private static async Task<string> PrepareAsync(HttpClient client, string product, string location, int ttl)
    {
        var hold = await PostAsync(client, "/v1/inventory/transactions/prepare", new
        {
            operations = new[] { new { type = "debit", product_id = product, location_id = location, quantity = new { value = 1 } } },
            ttl_seconds = ttl,
        });
        return hold.GetProperty("transaction_id").GetString()!;
    }

    /// <summary>Runs the expiry job (as the worker does) until the hold has expired: poll with a deadline, no fixed sleep.</summary>
    private static async Task ExpireAsync(ApiFactory api, string holdId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var scope = api.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<HoldService>().ExpireDueAsync(100, CancellationToken.None);
            var db = scope.ServiceProvider.GetRequiredService<Domain.Data.InventoryDbContext>();
            if (await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(
                    Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.InventoryHolds),
                    h => h.Id == holdId && h.Status == HoldStatuses.Expired))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail("the hold did not expire");
    }
}
