using Npgsql;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Applies the <see cref="DatabaseOptions"/> pool settings to the connection string, unless it sets them itself.</summary>
public static class DatabaseConnection
{
    public static string Tune(string connectionString, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Names(connectionString, "maximum pool size", "max pool size", "maxpoolsize"))
        {
            builder.MaxPoolSize = options.MaxPoolSize;
        }

        if (!Names(connectionString, "no reset on close", "noresetonclose"))
        {
            builder.NoResetOnClose = options.NoResetOnClose;
        }

        if (!Names(connectionString, "timeout"))
        {
            builder.Timeout = options.ConnectionTimeoutSeconds;
        }

        if (!Names(connectionString, "max auto prepare", "maxautoprepare"))
        {
            builder.MaxAutoPrepare = options.MaxAutoPrepare;
        }

        return builder.ConnectionString;
    }

    /// <summary>The pool of background work: same server and settings, its own application name and size.</summary>
    public static string ForBackgroundWork(string tunedConnectionString, DatabaseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new NpgsqlConnectionStringBuilder(tunedConnectionString);
        builder.ApplicationName = (string.IsNullOrWhiteSpace(builder.ApplicationName) ? "smackdab-api" : builder.ApplicationName) + "-worker";
        builder.MaxPoolSize = options.BackgroundMaxPoolSize;
        return builder.ConnectionString;
    }

    private static bool Names(string connectionString, params string[] keys) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2)[0].Trim())
            .Any(name => keys.Contains(name, StringComparer.OrdinalIgnoreCase));
}

/// <summary>The API's connection string after <see cref="DatabaseConnection.Tune"/>, for the few connections made outside EF Core.</summary>
public sealed record DatabaseConnectionString(string Value);
