using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Balances;
using Smackdab.Inventory.Domain.Features.Ledger;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Domain;

public sealed class PostingTests
{
    private static InventoryBalance Balance(decimal onHand, decimal allocated = 0) =>
        new() { OrganizationId = "org_1", ProductId = "prod_1", LocationId = "loc_1", OnHand = onHand, Allocated = allocated };

    [Fact]
    public void Debit_beyond_available_is_refused_with_requested_and_available()
    {
        var exception = Assert.Throws<InsufficientStockException>(() => Posting.EnsureAvailable(Balance(10, 4), 7, allowNegative: false, "quantity.value"));
        Assert.Equal(7m, exception.Details["requested"]);
        Assert.Equal(6m, exception.Details["available"]);
    }

    [Fact]
    public void Debit_beyond_available_passes_when_negatives_are_allowed() =>
        Posting.EnsureAvailable(Balance(1), 5, allowNegative: true, null);

    [Fact]
    public void Booking_moves_on_hand_records_before_and_after_and_bumps_the_version()
    {
        var balance = Balance(10);
        var row = Posting.Book(balance, TransactionTypes.Shipment, -3, new QuantityValue(3, "EACH"), DateTime.UnixEpoch);
        Assert.Equal(7m, balance.OnHand);
        Assert.Equal(2, balance.Version);
        Assert.Equal(10m, row.PreviousOnHand);
        Assert.Equal(7m, row.NewOnHand);
        Assert.Equal(-3m, row.QuantityChange);
        Assert.StartsWith("txn_", row.Id);
    }

    [Fact]
    public void Average_cost_is_weighted_by_quantity()
    {
        var balance = Balance(24);
        balance.AverageUnitCost = 10m;
        balance.CostCurrency = "USD";
        Posting.AverageCost(balance, 12, 13m, "USD");
        Assert.Equal(11m, balance.AverageUnitCost);
    }

    [Fact]
    public void Average_cost_restarts_when_nothing_is_on_hand()
    {
        var balance = Balance(0);
        balance.AverageUnitCost = 99m;
        Posting.AverageCost(balance, 5, 4m, "EUR");
        Assert.Equal(4m, balance.AverageUnitCost);
        Assert.Equal("EUR", balance.CostCurrency);
    }
}
