using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Support.Api;

/// <summary>
/// The real API pipeline over a real PostgreSQL database. One database per factory; tests isolate themselves by
/// creating their own organization through POST /v1/organizations.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;

    private ApiFactory(string connectionString, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices)
    {
        _connectionString = connectionString;
        _settings = settings;
        _configureServices = configureServices;
    }

    public string PlatformKey { get; } = "plat_" + PublicId.RandomToken(24);

    public string ConnectionString => _connectionString;

    /// <summary>Creates a fresh database and an API host over it; <paramref name="settings"/> override configuration.</summary>
    /// <param name="settings">Configuration overrides.</param>
    /// <param name="configureServices">Service overrides.</param>
    /// <param name="server">The server to create the database on; the shared one by default (fault tests pass a dedicated one).</param>
    public static async Task<ApiFactory> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null, PostgresServer? server = null)
    {
        server ??= await PostgresServer.GetAsync();
        var database = "smackdab_test_" + PublicId.RandomToken(10);
        var connectionString = await server.CreateDatabaseAsync(database);
        return StartOn(connectionString, settings, configureServices);
    }

    /// <summary>Another API instance over the database of <paramref name="first"/> (tests of state shared between instances).</summary>
    public static ApiFactory StartAnotherInstance(ApiFactory first, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null) =>
        StartOn(first.ConnectionString, settings, configureServices);

    private static ApiFactory StartOn(string connectionString, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? configureServices)
    {
        var factory = new ApiFactory(connectionString, settings ?? new Dictionary<string, string?>(), configureServices);
        _ = factory.Server; // builds the host: migrations run here
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Dozens of hosts share one test server: idle pooled connections are closed after 15 s rather than 300 s, so that
        // finished hosts' pools do not hold the server's connection slots.
        builder.UseSetting("ConnectionStrings:Postgres", _connectionString + ";Connection Idle Lifetime=15;Connection Pruning Interval=5");
        builder.UseSetting("Platform:ApiKey", PlatformKey);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Seed:Demo", "false");
        // Test classes share hosts and run in parallel: budgets far above any test's traffic, unless a test sets its own.
        builder.UseSetting("RateLimiting:Tiers:default:RequestsPerMinute", "1000000");
        builder.UseSetting("RateLimiting:Tiers:default:BurstCapacity", "1000000");
        builder.UseSetting("RateLimiting:Tiers:bulk_operations:RequestsPerMinute", "1000000");
        builder.UseSetting("RateLimiting:Tiers:bulk_operations:BurstCapacity", "1000000");
        builder.UseSetting("RateLimiting:Tiers:oauth:RequestsPerMinute", "1000000");
        builder.UseSetting("RateLimiting:Tiers:oauth:BurstCapacity", "1000000");
        // Many tests share one host and one client IP; tests of the failed-authentication limit set their own limit.
        builder.UseSetting("AuthFailureLimit:PermitLimit", "1000000");
        // One fixed key, so that instances started over the same database read each other's webhook secrets (and no start-up warning).
        builder.UseSetting("Webhooks:SecretEncryptionKey", "dGVzdC1vbmx5LXdlYmhvb2stc2VjcmV0LWtleS0zMmI=");
        // Background jobs (exports, imports) are picked up within a second.
        builder.UseSetting("Exports:PollIntervalSeconds", "1");
        builder.UseSetting("Imports:PollIntervalSeconds", "1");
        // A loaded 2-core test machine answers Redis slower than production's 250 ms budget; tests that check what Redis
        // shares (one rate budget, key revocation, signing keys) must not fall back to the local path by a slow answer.
        // Outage tests still see refused connections at once.
        builder.UseSetting("Redis:OperationTimeoutMilliseconds", "2000");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }
}
