using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Tests.Integration.Ledger;

/// <summary>Organization settings the ledger tests need.</summary>
public static class OrganizationSettings
{
    // There is no settings endpoint for this flag yet; set it on the organization row directly.
    public static async Task AllowNegativeInventoryAsync(StockKit kit, bool allow)
    {
        using var scope = kit.Api.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        var organizationId = kit.Tenant.OrganizationId;
        await db.Organizations.Where(o => o.Id == organizationId).ExecuteUpdateAsync(s => s.SetProperty(o => o.AllowNegativeInventory, allow));
    }
}
