using Microsoft.EntityFrameworkCore;

namespace Smackdab.Inventory.Domain.Data;

public static class InventoryDbContextOptions
{
    /// <summary>The one place that sets provider options, shared by the API, the tests and the migration scaffolder.</summary>
    public static DbContextOptionsBuilder UseInventoryPostgres(this DbContextOptionsBuilder builder, string connectionString, int commandTimeoutSeconds = 30) =>
        builder
            .UseNpgsql(connectionString, npgsql => npgsql
                .MigrationsHistoryTable("__ef_migrations_history")
                .CommandTimeout(commandTimeoutSeconds))
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(NoAutoSavepointsInterceptor.Instance);
}
