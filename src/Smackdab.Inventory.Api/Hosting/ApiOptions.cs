using System.ComponentModel.DataAnnotations;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Section "Api".</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    [Range(1024, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Body limit of file-upload endpoints ([BulkOperation(Upload = true)], e.g. imports).</summary>
    [Range(1024, 2L * 1024 * 1024 * 1024)]
    public long MaxUploadBodyBytes { get; set; } = 100L * 1024 * 1024;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 200;

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 25;

    /// <summary>
    /// List totals up to this many rows are exact; above it, meta.pagination.total is PostgreSQL's planner estimate and
    /// meta.pagination.totalEstimated is true. 0 counts every row.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int ExactTotalLimit { get; set; } = 1000;
}

/// <summary>Section "Platform": the operator's key that may create organizations.</summary>
public sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>Unset disables POST /v1/organizations (it answers 404).</summary>
    public string? ApiKey { get; set; }
}

/// <summary>Section "Seed".</summary>
public sealed class SeedOptions
{
    public const string Section = "Seed";

    /// <summary>Seed the demo organization org_demo at start.</summary>
    public bool Demo { get; set; }

    /// <summary>The demo API key's secret; generated when unset.</summary>
    public string? DemoApiKey { get; set; }
}

/// <summary>Section "Database".</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Per-command timeout; a query that runs longer fails with 503 rather than hanging.</summary>
    [Range(1, 600)]
    public int CommandTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Connections one API process may hold (Npgsql Maximum Pool Size). Keep instances x this below the server's
    /// max_connections, with room for administration. A value in the connection string wins.
    /// </summary>
    [Range(1, 1000)]
    public int MaxPoolSize { get; set; } = 40;

    /// <summary>
    /// Connections the background workers of one process may hold, in a pool of their own (application name
    /// "&lt;name&gt;-worker"), so that polling and job work never take the connections requests need.
    /// </summary>
    [Range(1, 200)]
    public int BackgroundMaxPoolSize { get; set; } = 10;

    /// <summary>
    /// Skip DISCARD ALL when a connection goes back to the pool (Npgsql No Reset On Close). Safe here: the API uses only
    /// transaction-scoped advisory locks, sets no session state and creates no temporary tables. A value in the connection string wins.
    /// </summary>
    public bool NoResetOnClose { get; set; } = true;

    /// <summary>Statements Npgsql prepares automatically per connection after repeated use (Max Auto Prepare); 0 turns it off.</summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary>
    /// How long a request waits to open a connection: for a free pooled connection when the pool is exhausted, or for
    /// the server when it is down. Past it the request is a 503 (Npgsql's <c>Timeout</c>). A value in the connection string wins.
    /// </summary>
    [Range(1, 600)]
    public int ConnectionTimeoutSeconds { get; set; } = 5;

    /// <summary>The Retry-After (seconds) sent with 503 SERVICE_UNAVAILABLE when the database is down, slow or out of connections.</summary>
    [Range(1, 3600)]
    public int UnavailableRetryAfterSeconds { get; set; } = 1;
}

/// <summary>Section "Hosting": process lifetime.</summary>
public sealed class HostingOptions
{
    public const string Section = "Hosting";

    /// <summary>
    /// On SIGTERM the API stops accepting connections, finishes requests in flight and stops its background workers; past
    /// this time (HostOptions.ShutdownTimeout) whatever is left is cancelled and the process exits.
    /// </summary>
    [Range(1, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}
