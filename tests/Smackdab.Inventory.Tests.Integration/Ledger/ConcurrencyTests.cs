namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>Real parallel HTTP calls against real PostgreSQL; invariants are then checked through the audit endpoint.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Hundred_concurrent_shipments_of_one_against_forty_give_exactly_forty_successes()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 40);

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            using var response = await kit.PostAsync("shipment", product, location, 1);
            var body = await Envelopes.ReadAsync(response);
            return (response.StatusCode, Code: body.TryGetProperty("error", out var e) ? e.GetProperty("code").GetString() : null);
        }));

        Assert.Equal(40, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(60, results.Count(r => r.StatusCode == HttpStatusCode.Conflict && r.Code == "INSUFFICIENT_STOCK"));
        Assert.Equal((0m, 0m, 0m), await kit.BalanceAsync(product, location));
        Assert.Equal(41, await kit.LedgerCountAsync(product));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Concurrent_transfers_in_opposite_directions_never_fail_with_500_and_conserve_stock()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var a = await kit.LocationAsync("A");
        var b = await kit.LocationAsync("B");
        await kit.BookAsync("receipt", product, a, 50);
        await kit.BookAsync("receipt", product, b, 50);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            var (from, to) = i % 2 == 0 ? (a, b) : (b, a);
            using var response = await kit.Client.PostAsJsonAsync("/v1/inventory/transfers", new
            {
                source_location_id = from, destination_location_id = to, product_id = product, quantity = new { value = 3 },
            });
            await Envelopes.ReadAsync(response);
            return response.StatusCode;
        }));

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Created or HttpStatusCode.Conflict, s.ToString()));
        var (onHandA, _, _) = await kit.BalanceAsync(product, a);
        var (onHandB, _, _) = await kit.BalanceAsync(product, b);
        Assert.Equal(100m, onHandA + onHandB);
        Assert.True(onHandA >= 0 && onHandB >= 0);
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Concurrent_allocations_never_exceed_on_hand()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 25);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = product, location_id = location, quantity = new { value = 2 } });
            await Envelopes.ReadAsync(response);
            return response.StatusCode;
        }));

        Assert.Equal(12, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(28, statuses.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal((25m, 24m, 1m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task Mixed_concurrent_traffic_keeps_the_ledger_equal_to_the_balances()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var a = await kit.LocationAsync("A");
        var b = await kit.LocationAsync("B");
        await kit.BookAsync("receipt", product, a, 30);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(async i =>
        {
            using var response = (i % 4) switch
            {
                0 => await kit.PostAsync("receipt", product, b, 2),
                1 => await kit.PostAsync("shipment", product, a, 1),
                2 => await kit.Client.PostAsJsonAsync("/v1/inventory/transfers", new { source_location_id = a, destination_location_id = b, product_id = product, quantity = new { value = 1 } }),
                _ => await kit.Client.PostAsJsonAsync("/v1/allocations", new { product_id = product, location_id = b, quantity = new { value = 1 } }),
            };
            await Envelopes.ReadAsync(response);
            return response.StatusCode;
        }));

        Assert.DoesNotContain(statuses, s => (int)s >= 500);
        await kit.AssertAuditCleanAsync();
    }
}
