using Npgsql;
using Testcontainers.PostgreSql;

namespace Smackdab.Inventory.Tests.Support.Servers;

/// <summary>
/// The one real PostgreSQL server shared by every test in the process.
/// Resolution order: SMACKDAB_TEST_POSTGRES connection string, then Testcontainers (when a Docker engine
/// answers), then a throwaway local cluster started with initdb/pg_ctl.
/// </summary>
public sealed class PostgresServer
{
    public const string EnvironmentVariable = "SMACKDAB_TEST_POSTGRES";
    private const string DockerImage = "postgres:16-alpine";
    private const string AdminDatabase = "postgres";
    private const int MaxPoolSize = 200;

    // Includes a possible image pull; a missing or broken engine fails well before this.
    private static readonly TimeSpan DockerStartTimeout = TimeSpan.FromSeconds(90);
    private static readonly Lazy<Task<PostgresServer>> Shared = new(() => Task.Run(StartAsync));

    private readonly string _baseConnectionString;
    private readonly LocalPostgresCluster? _dedicatedCluster;

    private PostgresServer(string source, string baseConnectionString, LocalPostgresCluster? dedicatedCluster = null)
    {
        Source = source;
        _baseConnectionString = baseConnectionString;
        _dedicatedCluster = dedicatedCluster;
    }

    /// <summary>Where the server came from: "env", "testcontainers" or "local-cluster".</summary>
    public string Source { get; }

    /// <summary>Connection string for the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString => ConnectionStringFor(AdminDatabase);

    /// <summary>Starts the server on first use; every caller gets the same instance (or the same failure).</summary>
    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>
    /// A new local cluster owned by the caller, for tests that stop and restart PostgreSQL without disturbing the tests
    /// on the shared server. Commits are durable across a crash of the server process. Deleted at process exit at the latest.
    /// </summary>
    public static async Task<PostgresServer> StartDedicatedAsync()
    {
        var cluster = await LocalPostgresCluster.StartAsync(durableCommits: true);
        return new PostgresServer("dedicated-local-cluster", LocalConnectionString(cluster.Port), cluster);
    }

    /// <summary>Stops a dedicated server ("fast": sessions terminated, as in a restart; "immediate": a crash), keeping its data.</summary>
    public Task StopAsync(string mode = "fast") => Dedicated().StopServerAsync(mode);

    /// <summary>Starts a dedicated server again on the same port and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        await Dedicated().StartServerAgainAsync();
        // The pooled admin connections died with the old server; the API's own pool recovers by itself (that is under test).
        using var admin = new NpgsqlConnection(AdminConnectionString);
        NpgsqlConnection.ClearPool(admin);
    }

    /// <summary>Stops a dedicated server for good and deletes its data.</summary>
    public void Destroy() => Dedicated().Stop();

    private LocalPostgresCluster Dedicated() => _dedicatedCluster
        ?? throw new InvalidOperationException("Only a server from StartDedicatedAsync() may be stopped; others are shared with every test.");

    private static string LocalConnectionString(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = "postgres",
        Database = AdminDatabase,
    }.ConnectionString;

    public string ConnectionStringFor(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var builder = new NpgsqlConnectionStringBuilder(_baseConnectionString)
        {
            Database = database,
            Pooling = true,
            IncludeErrorDetail = true,
        };
        if (_dedicatedCluster is null)
        {
            // Many API hosts share this server; on a dedicated one the API's own Database:MaxPoolSize applies (fault tests set it).
            builder.MaxPoolSize = MaxPoolSize;
        }

        return builder.ConnectionString;
    }

    /// <summary>Creates (after dropping any leftover) database <paramref name="name"/> and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        var quoted = QuoteDatabaseName(name);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", ct);
        await ExecuteAsync(connection, $"CREATE DATABASE {quoted}", ct);
        ClearPool(name);
        return ConnectionStringFor(name);
    }

    /// <summary>Drops database <paramref name="name"/> if it exists, disconnecting any sessions.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken ct = default)
    {
        var quoted = QuoteDatabaseName(name);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", ct);
        ClearPool(name);
    }

    // WITH (FORCE) kills sessions on the old database; pooled connections to it are dead and must not be reused.
    private void ClearPool(string database)
    {
        using var connection = new NpgsqlConnection(ConnectionStringFor(database));
        NpgsqlConnection.ClearPool(connection);
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new PostgresServer("env", fromEnvironment);
        }

        string? dockerFailure = null;
        if (HostEnvironment.DockerEngineMayBeAvailable())
        {
            try
            {
                return await StartTestcontainerAsync();
            }
            catch (Exception ex)
            {
                dockerFailure = $"{ex.GetType().Name}: {ex.Message}";
            }
        }

        LocalPostgresCluster cluster;
        try
        {
            cluster = await LocalPostgresCluster.StartAsync();
        }
        catch (Exception ex) when (dockerFailure is not null)
        {
            throw new InvalidOperationException(
                $"{ex.Message}{Environment.NewLine}(Testcontainers was tried first and failed: {dockerFailure})", ex);
        }

        return new PostgresServer("local-cluster", LocalConnectionString(cluster.Port));
    }

    private static async Task<PostgresServer> StartTestcontainerAsync()
    {
        var container = new PostgreSqlBuilder(DockerImage)
            .WithCommand("-c", "max_connections=1200")
            .Build();
        using var timeout = new CancellationTokenSource(DockerStartTimeout);
        try
        {
            await container.StartAsync(timeout.Token);
        }
        catch
        {
            await DisposeQuietlyAsync(container);
            throw;
        }

        // Ryuk removes the container too, but only some time after the process is gone.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeQuietlyAsync(container).Wait(TimeSpan.FromSeconds(30));
        return new PostgresServer("testcontainers", container.GetConnectionString());
    }

    private static async Task DisposeQuietlyAsync(PostgreSqlContainer container)
    {
        try
        {
            await container.DisposeAsync();
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"[smackdab-tests] Disposing the PostgreSQL container failed: {ex.Message}");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    // Database names cannot be bound as parameters, so only plain identifiers are accepted.
    private static string QuoteDatabaseName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Length > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException(
                $"Database name '{name}' must be 1-63 characters of ASCII letters, digits or '_'.", nameof(name));
        }

        return $"\"{name}\"";
    }
}
