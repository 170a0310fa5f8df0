using Smackdab.Inventory.Tests.Integration.Ledger;

namespace Smackdab.Inventory.Tests.Integration.Hardening;

/// <summary>Issue 8 row 10: client-chosen prepared-transaction ids are unique per organization, not across organizations.</summary>
public sealed class PreparedTransactionIdTests
{
    private static object Prepare(string? transactionId, string product, string location, decimal value) => new
    {
        transaction_id = transactionId,
        operations = new[] { new { type = "debit", product_id = product, location_id = location, quantity = new { value, uom = "EACH" } } },
    };

    private static async Task<(StockKit Kit, string Product, string Location)> StockedTenantAsync()
    {
        var kit = await StockKit.NewTenantAsync();
        var product = await kit.ProductAsync();
        var location = await kit.LocationAsync();
        await kit.BookAsync("receipt", product, location, 10);
        return (kit, product, location);
    }

    [Fact]
    public async Task An_id_another_organization_uses_is_neither_revealed_nor_blocked_and_each_hold_stays_its_owners()
    {
        var (first, firstProduct, firstLocation) = await StockedTenantAsync();
        var (second, secondProduct, secondLocation) = await StockedTenantAsync();
        var id = "txn_order_" + Guid.NewGuid().ToString("N")[..12];

        using var mine = await first.Client.PostAsJsonAsync("/v1/inventory/transactions/prepare", Prepare(id, firstProduct, firstLocation, 3));
        await Envelopes.SuccessAsync(mine, HttpStatusCode.Created);
        using var theirs = await second.Client.PostAsJsonAsync("/v1/inventory/transactions/prepare", Prepare(id, secondProduct, secondLocation, 4));
        Assert.Equal(id, (await Envelopes.SuccessAsync(theirs, HttpStatusCode.Created)).GetProperty("transaction_id").GetString());

        using var commit = await second.Client.PostAsync($"/v1/inventory/transactions/{id}/commit", null);
        Assert.Equal("committed", (await Envelopes.SuccessAsync(commit)).GetProperty("status").GetString());
        using var stillPrepared = await first.Client.GetAsync($"/v1/inventory/transactions/{id}/prepared");
        Assert.Equal("prepared", (await Envelopes.SuccessAsync(stillPrepared)).GetProperty("status").GetString());
        Assert.Equal((10m, 3m, 7m), await first.BalanceAsync(firstProduct, firstLocation));
        Assert.Equal((6m, 0m, 6m), await second.BalanceAsync(secondProduct, secondLocation));
        await first.AssertAuditCleanAsync();
        await second.AssertAuditCleanAsync();
    }

    [Fact]
    public async Task An_id_reused_within_the_organization_is_refused_even_when_two_prepares_race()
    {
        var (kit, product, location) = await StockedTenantAsync();
        var id = "txn_race_" + Guid.NewGuid().ToString("N")[..12];

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => kit.Client.PostAsJsonAsync("/v1/inventory/transactions/prepare", Prepare(id, product, location, 1))));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            {
                var error = await Envelopes.ErrorAsync(refused, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
                Assert.True(error.GetProperty("details").TryGetProperty("transaction_id", out _), error.ToString());
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        Assert.Equal((10m, 1m, 9m), await kit.BalanceAsync(product, location));
        await kit.AssertAuditCleanAsync();
    }
}
