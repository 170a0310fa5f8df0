using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>
/// Sends database work done outside a request (hosted workers: outbox dispatch, webhooks, jobs, sagas, hold expiry) over
/// its own pool, with its own application name and size. Background polling then cannot take the connections requests
/// need, and the statements of one request can be told from the workers' in pg_stat_activity and the statement log.
/// </summary>
public sealed class BackgroundConnectionInterceptor(IHttpContextAccessor requests, BackgroundConnectionString background) : DbConnectionInterceptor
{
    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        UseBackgroundPoolOutsideRequests(connection);
        return result;
    }

    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        UseBackgroundPoolOutsideRequests(connection);
        return ValueTask.FromResult(result);
    }

    private void UseBackgroundPoolOutsideRequests(DbConnection connection)
    {
        if (requests.HttpContext is null && !string.Equals(connection.ConnectionString, background.Value, StringComparison.Ordinal))
        {
            connection.ConnectionString = background.Value;
        }
    }
}

/// <summary>The connection string of work done outside requests: the API's, with application name "&lt;name&gt;-worker" and <see cref="DatabaseOptions.BackgroundMaxPoolSize"/>.</summary>
public sealed record BackgroundConnectionString(string Value);
