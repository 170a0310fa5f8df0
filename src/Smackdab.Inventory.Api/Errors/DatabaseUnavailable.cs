using Npgsql;

namespace Smackdab.Inventory.Api.Errors;

/// <summary>
/// Which exceptions mean "the database is down, restarting, too slow or out of connections right now" (503 with
/// Retry-After) rather than a bug (500). Decided by exception type and SQLSTATE, never by message text.
/// </summary>
public static class DatabaseUnavailable
{
    public static bool Is(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres when IsUnavailableState(postgres.SqlState):
                    return true;
                case PostgresException:
                    // A definite answer from a working server (constraint, syntax, ...): not an outage.
                    return false;
                case NpgsqlException { IsTransient: true }:
                    // Broken or refused connection, pool exhausted, command timeout.
                    return true;
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }

    /// <summary>The PostgreSQL error in the chain (EF wraps it in DbUpdateException), or null.</summary>
    public static PostgresException? Postgres(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is PostgresException postgres)
            {
                return postgres;
            }
        }

        return null;
    }

    private static bool IsUnavailableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
        || sqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources, too many connections
        || sqlState is PostgresErrorCodes.AdminShutdown // restart or fast shutdown terminated the session
            or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow // starting up or in recovery
            or PostgresErrorCodes.QueryCanceled // statement timeout
            or PostgresErrorCodes.LockNotAvailable; // lock timeout
}
