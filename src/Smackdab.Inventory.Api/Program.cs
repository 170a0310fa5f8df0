using Smackdab.Inventory.Api.Hosting;
using Serilog;

// Only for failures before the host has its own logger; each host builds its logger from configuration.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddInventoryApi();

    var app = builder.Build();
    app.UseInventoryPipeline();

    await DatabaseStartup.PrepareAsync(app.Services, app.Lifetime.ApplicationStopping);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is not HostAbortedException)
{
    Log.Fatal(e, "The API stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Entry point; public so that the integration tests can host it.</summary>
public partial class Program;
