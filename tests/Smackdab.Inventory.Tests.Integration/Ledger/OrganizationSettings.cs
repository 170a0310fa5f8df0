namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>Organization settings the ledger tests need, changed through the API as an integrator would.</summary>
public static class OrganizationSettings
{
    public static async Task AllowNegativeInventoryAsync(StockKit kit, bool allow)
    {
        using var response = await kit.Client.PatchAsJsonAsync("/v1/organization/settings", new { allow_negative_inventory = allow });
        Assert.Equal(allow, (await Envelopes.SuccessAsync(response)).GetProperty("allow_negative_inventory").GetBoolean());
    }
}
