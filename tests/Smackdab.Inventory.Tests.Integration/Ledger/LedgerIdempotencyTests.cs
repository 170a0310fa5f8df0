namespace Smackdab.Inventory.Tests.Integration.Ledger;

public sealed class LedgerIdempotencyTests
{
    [Fact]
    public async Task Fifty_concurrent_identical_transactions_with_one_key_book_exactly_one_ledger_row()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var body = JsonSerializer.Serialize(new
        {
            transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 7, uom = "EACH" }, reference = "PO-RACE",
        });

        var outcomes = await IdempotencyRace.SendAsync(kit.Client, HttpMethod.Post, "/v1/inventory/transactions", body, "race-" + Guid.NewGuid().ToString("N"), 50);
        IdempotencyRace.AssertAppliedOnce(outcomes);

        Assert.Equal(1, await kit.LedgerCountAsync(product));
        Assert.Equal((7m, 0m, 7m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task A_retried_batch_with_the_same_key_is_replayed_not_booked_twice()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var body = new { transactions = new[] { new { transaction_type = "receipt", product_id = product, location_id = location, quantity = new { value = 3 } } } };

        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions/batch") { Content = JsonContent.Create(body) };
        first.Headers.Add("Idempotency-Key", "batch-retry-1");
        using var created = await kit.Client.SendAsync(first);
        await Envelopes.SuccessAsync(created, HttpStatusCode.Created);

        using var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions/batch") { Content = JsonContent.Create(body) };
        retry.Headers.Add("Idempotency-Key", "batch-retry-1");
        using var replayed = await kit.Client.SendAsync(retry);
        await Envelopes.SuccessAsync(replayed, HttpStatusCode.OK);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());

        Assert.Equal(1, await kit.LedgerCountAsync(product));
        Assert.Equal((3m, 0m, 3m), await kit.BalanceAsync(product, location));
    }

    [Fact]
    public async Task A_refused_shipment_stores_no_key_so_a_retry_after_restocking_succeeds()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        var body = new { transaction_type = "shipment", product_id = product, location_id = location, quantity = new { value = 2 } };

        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions") { Content = JsonContent.Create(body) };
        first.Headers.Add("Idempotency-Key", "ship-after-restock");
        using var refused = await kit.Client.SendAsync(first);
        await Envelopes.ErrorAsync(refused, HttpStatusCode.Conflict, "INSUFFICIENT_STOCK");

        await kit.BookAsync("receipt", product, location, 5);
        using var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/inventory/transactions") { Content = JsonContent.Create(body) };
        retry.Headers.Add("Idempotency-Key", "ship-after-restock");
        using var shipped = await kit.Client.SendAsync(retry);
        await Envelopes.SuccessAsync(shipped, HttpStatusCode.Created);
        Assert.Equal((3m, 0m, 3m), await kit.BalanceAsync(product, location));
    }
}
