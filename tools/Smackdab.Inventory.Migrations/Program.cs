using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;

// Usage: dotnet run --project tools/Smackdab.Inventory.Migrations -- <MigrationName>
// Scaffolds a migration into src/Smackdab.Inventory.Domain/Data/Migrations (no database needed).
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: <MigrationName>");
    return 2;
}

var domainDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Smackdab.Inventory.Domain"));
var optionsBuilder = new DbContextOptionsBuilder<InventoryDbContext>();
optionsBuilder.UseInventoryPostgres("Host=localhost;Database=design_time");
using var context = new InventoryDbContext(optionsBuilder.Options);

var services = new ServiceCollection();
services.AddEntityFrameworkDesignTimeServices();
services.AddDbContextDesignTimeServices(context);
new Npgsql.EntityFrameworkCore.PostgreSQL.Design.Internal.NpgsqlDesignTimeServices().ConfigureDesignTimeServices(services);
using var provider = services.BuildServiceProvider();

var scaffolder = provider.GetRequiredService<IMigrationsScaffolder>();
var migration = scaffolder.ScaffoldMigration(args[0], "Smackdab.Inventory.Domain", "Data.Migrations", "C#");
var files = scaffolder.Save(domainDir, migration, Path.Combine(domainDir, "Data", "Migrations"));
Console.WriteLine($"Wrote {files.MigrationFile}");
return 0;
