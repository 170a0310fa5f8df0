namespace Smackdab.Inventory.Domain.Features.Ledger;

/// <summary>The range of a stored quantity: the ledger and balance columns are numeric(19,4).</summary>
public static class QuantityLimits
{
    public const decimal Max = 999_999_999_999_999.9999m;

    public static bool Fits(decimal value) => value is >= -Max and <= Max;
}
