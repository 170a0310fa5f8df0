using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Applies EF Core migrations and seeds the demo tenant before the API takes requests.</summary>
public static class DatabaseStartup
{
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseStartup));
        var database = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();

        if (database.MigrateOnStartup)
        {
            await db.Database.MigrateAsync(ct);
            var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
            logger.LogInformation("Database schema is at migration {Migration} ({MigrationCount} applied)", applied.LastOrDefault(), applied.Count);
        }

        var seed = scope.ServiceProvider.GetRequiredService<IOptions<SeedOptions>>().Value;
        if (seed.Demo)
        {
            await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(seed.DemoApiKey, ct);
        }
    }
}
