using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.Balances;

namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>The one way stock changes: a locked balance and the ledger row that explains the change, made together.</summary>
public static class Posting
{
    /// <summary>Refuses a debit beyond available stock unless the organization allows negative inventory.</summary>
    public static void EnsureAvailable(InventoryBalance balance, decimal debit, bool allowNegative, string? field)
    {
        if (!allowNegative && debit > balance.Available)
        {
            throw new InsufficientStockException(balance.ProductId, balance.LocationId, debit, balance.Available, field);
        }
    }

    public static InventoryTransaction Book(
        InventoryBalance balance, string type, decimal change, QuantityValue input, DateTime now, Action<InventoryTransaction>? details = null)
    {
        var previous = balance.OnHand;
        if (!QuantityLimits.Fits(previous + change))
        {
            throw new ValidationFailedException("quantity", $"The on-hand quantity would pass the largest quantity, {QuantityLimits.Max:0.####}");
        }

        balance.OnHand += change;
        balance.Version++;
        balance.UpdatedAt = now;
        var row = new InventoryTransaction
        {
            Id = PublicId.New(PublicId.Transaction),
            OrganizationId = balance.OrganizationId,
            ProductId = balance.ProductId,
            LocationId = balance.LocationId,
            TransactionType = type,
            QuantityChange = change,
            InputQuantity = input.Value,
            InputUom = input.Uom,
            PreviousOnHand = previous,
            NewOnHand = balance.OnHand,
            CreatedAt = now,
            UpdatedAt = now,
        };
        details?.Invoke(row);
        return row;
    }

    /// <summary>Moves the weighted-average unit cost for a receipt of <paramref name="baseQuantity"/> at <paramref name="costPerBaseUnit"/>.</summary>
    public static void AverageCost(InventoryBalance balance, decimal baseQuantity, decimal costPerBaseUnit, string currency)
    {
        if (balance.OnHand <= 0 || balance.AverageUnitCost is null)
        {
            balance.AverageUnitCost = Math.Round(costPerBaseUnit, 4);
        }
        else
        {
            // avg + (cost − avg) × share rather than (onHand × avg + q × cost) / (onHand + q): no product of two large numbers.
            var average = balance.AverageUnitCost.Value;
            var share = baseQuantity / (balance.OnHand + baseQuantity);
            balance.AverageUnitCost = Math.Round(average + ((costPerBaseUnit - average) * share), 4);
        }

        balance.CostCurrency = currency;
    }
}
