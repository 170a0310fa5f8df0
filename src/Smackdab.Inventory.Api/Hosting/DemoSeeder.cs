using Microsoft.EntityFrameworkCore;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.ApiKeys;
using Smackdab.Inventory.Domain.Features.Locations;
using Smackdab.Inventory.Domain.Features.Organizations;
using Smackdab.Inventory.Domain.Features.Products;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Seeds org_demo (branch_main, two locations, a few products) and makes sure the demo key works.</summary>
public sealed class DemoSeeder(InventoryDbContext db, OrganizationService organizations, TimeProvider clock, IConfiguration configuration, ILogger<DemoSeeder> logger)
{
    public const string OrganizationId = "org_demo";
    public const string BranchId = "branch_main";

    public async Task SeedAsync(string? demoSecret, CancellationToken ct)
    {
        var secret = string.IsNullOrWhiteSpace(demoSecret) ? ApiKeySecrets.NewSecret() : demoSecret.Trim();
        var exists = await db.Organizations.AnyAsync(o => o.Id == OrganizationId, ct);
        if (!exists)
        {
            await organizations.ProvisionAsync(new CreateOrganizationRequest { Name = "Demo Organization" }, ct, OrganizationId, BranchId, secret);
            await SeedCatalogAsync(ct);
            logger.LogInformation("Seeded demo organization {OrganizationId}", OrganizationId);
        }
        else
        {
            var hash = ApiKeySecrets.Hash(secret);
            if (!await db.ApiKeys.IgnoreQueryFilters().AnyAsync(k => k.SecretHash == hash && k.RevokedAt == null, ct))
            {
                var (key, _) = ApiKeyService.NewKey(OrganizationId, "Demo key", [Scopes.Admin], null, clock.GetUtcNow().UtcDateTime, secret);
                db.ApiKeys.Add(key);
                await db.SaveChangesAsync(ct);
            }
        }

        var baseUrl = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "http://127.0.0.1:5080").Split(';')[0].TrimEnd('/');
        // Printed to the console, not to the log: the secret must never reach log files.
        Console.WriteLine();
        Console.WriteLine("  Smackdab Inventory API is starting");
        Console.WriteLine($"  Swagger UI:       {baseUrl}/swagger");
        Console.WriteLine($"  Organization:     {OrganizationId} (branch {BranchId})");
        Console.WriteLine($"  Demo API key:     {secret}");
        Console.WriteLine($"  Try:              curl -H \"X-API-Key: {secret}\" -H \"X-Organization-ID: {OrganizationId}\" {baseUrl}/v1/products");
        Console.WriteLine();
    }

    private async Task SeedCatalogAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var warehouse = new Location
        {
            Id = "loc_main_warehouse", OrganizationId = OrganizationId, BranchId = BranchId, Name = "Main Warehouse", Code = "WH-MAIN",
            Type = LocationTypes.Warehouse, LocationGroup = "warehouse", CreatedAt = now, UpdatedAt = now,
            Address = new Address { Line1 = "1 Dock Road", City = "Springfield", Region = "IL", PostalCode = "62701", Country = "US" },
        };
        var store = new Location
        {
            Id = "loc_downtown_store", OrganizationId = OrganizationId, BranchId = BranchId, Name = "Downtown Store", Code = "ST-DOWNTOWN",
            Type = LocationTypes.Retail, LocationGroup = "retail", CreatedAt = now, UpdatedAt = now,
            Address = new Address { Line1 = "200 Main Street", City = "Springfield", Region = "IL", PostalCode = "62701", Country = "US" },
        };
        db.Locations.AddRange(warehouse, store);

        (string Sku, string Name, string Category, decimal Price)[] catalog =
        [
            ("WIDGET-001", "Premium Widget", "electronics", 25.50m),
            ("WIDGET-002", "Standard Widget", "electronics", 12.00m),
            ("CABLE-USB-C", "USB-C Cable 1m", "accessories", 8.99m),
            ("CASE-PHONE", "Phone Case", "accessories", 14.50m),
        ];
        var offset = 0;
        foreach (var item in catalog)
        {
            db.Products.Add(new Product
            {
                Id = PublicId.New(PublicId.Product), OrganizationId = OrganizationId, Sku = item.Sku, Name = item.Name,
                Category = item.Category, PriceAmount = item.Price, PriceCurrency = "USD",
                CreatedAt = now.AddMilliseconds(offset), UpdatedAt = now.AddMilliseconds(offset),
            });
            offset++;
        }

        await db.SaveChangesAsync(ct);
    }
}
