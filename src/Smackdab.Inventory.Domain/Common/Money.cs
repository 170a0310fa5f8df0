namespace Smackdab.Inventory.Domain.Common;

/// <summary>An amount of money; decimal, never float.</summary>
public sealed record Money(decimal Amount, string Currency);
