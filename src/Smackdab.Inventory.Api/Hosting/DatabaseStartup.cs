using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Applies EF Core migrations and seeds the demo tenant before the API takes requests.</summary>
public static class DatabaseStartup
{
    /// <summary>Advisory lock key held while migrating ("smackdab" in ASCII).</summary>
    private const long MigrationLockKey = 0x736D61636B646162;

    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(10);

    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseStartup));
        var database = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();

        if (database.MigrateOnStartup)
        {
            // Instances started together (a rolling deploy, tests of two instances) would otherwise apply the same
            // migration twice; a session advisory lock lets one migrate while the others wait, then find nothing to do.
            // Waiting for another instance's migration, and the migration itself, may take far longer than a request's
            // command timeout (Database:CommandTimeoutSeconds); an instance must not die of that at start.
            db.Database.SetCommandTimeout(MigrationTimeout);
            await db.Database.OpenConnectionAsync(ct);
            try
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({MigrationLockKey})", ct);
                await db.Database.MigrateAsync(ct);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", ct);
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }

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
