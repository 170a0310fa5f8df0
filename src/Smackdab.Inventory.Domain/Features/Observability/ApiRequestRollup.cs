using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>
/// The API requests of one organization in one minute with one route, method, status and error code: the durable figures
/// behind GET /v1/dashboard. Every instance adds its counts to the same row, so the figures survive restarts and are the
/// same whichever instance answers.
/// </summary>
public sealed class ApiRequestRollup : ITenantOwned
{
    public string OrganizationId { get; set; } = "";

    /// <summary>Start of the minute (UTC).</summary>
    public DateTime Minute { get; set; }

    /// <summary>The route template (<c>v1/products/{id}</c>), never the raw path.</summary>
    public string Route { get; set; } = "";

    public string Method { get; set; } = "";

    public int StatusCode { get; set; }

    /// <summary>The envelope's error.code; empty for a success.</summary>
    public string ErrorCode { get; set; } = "";

    public long RequestCount { get; set; }

    public double DurationMsSum { get; set; }

    public double DurationMsMax { get; set; }

    /// <summary>Counts per <see cref="LatencyBuckets.UpperBoundsMs"/> bucket (the last one is unbounded).</summary>
    public long[] LatencyBuckets { get; set; } = [];
}

/// <summary>One handled request, as the request thread hands it to the background writer.</summary>
public readonly record struct RequestRecord(
    string OrganizationId, DateTime Minute, string Route, string Method, int StatusCode, string ErrorCode, double DurationMs);
