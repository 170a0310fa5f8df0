using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>
/// The breaker of one integration, shared by every API instance: each admission and each outcome is a locked update of
/// this row, so that a reset or an opening on one instance holds on all. Reached only through a tenant-checked integration.
/// </summary>
[NotTenantFiltered("Reached only through an integration that passed the tenant filter, by its id")]
public sealed class CircuitBreakerState
{
    public string IntegrationId { get; set; } = "";

    public string OrganizationId { get; set; } = "";

    public string State { get; set; } = CircuitStates.Closed;

    /// <summary>Start of the current monitoring window (CLOSED) and the calls and failures counted in it.</summary>
    public DateTime? WindowStartedAt { get; set; }

    public int WindowCalls { get; set; }

    public int WindowFailures { get; set; }

    /// <summary>Failures since the breaker last closed: what CIRCUIT_BREAKER_OPEN reports as failure_count.</summary>
    public int FailureCount { get; set; }

    public int HalfOpenCalls { get; set; }

    public int HalfOpenSuccesses { get; set; }

    public DateTime? OpenedAt { get; set; }

    public DateTime? LastFailureAt { get; set; }

    public string? LastFailureClass { get; set; }

    public DateTime? LastSuccessAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public static class CircuitStates
{
    public const string Closed = "CLOSED";
    public const string Open = "OPEN";
    public const string HalfOpen = "HALF_OPEN";
}

/// <summary>The last good answer to a read, which a read falls back to (marked stale) when the external system fails.</summary>
public sealed class CachedResponse
{
    public string IntegrationId { get; set; } = "";

    public string RequestKey { get; set; } = "";

    public int StatusCode { get; set; }

    public string Body { get; set; } = "";

    public string? ContentType { get; set; }

    public DateTime CachedAt { get; set; }
}

/// <summary>One logical call through a connector (after its retries): the figures behind health, metrics and the dashboard.</summary>
public sealed class IntegrationCall : ITenantOwned
{
    public long Id { get; set; }

    public string OrganizationId { get; set; } = "";

    public string IntegrationId { get; set; } = "";

    public DateTime At { get; set; }

    public string Method { get; set; } = "";

    public string Path { get; set; } = "";

    public int? StatusCode { get; set; }

    public bool Succeeded { get; set; }

    /// <summary>Error class of a failure (NETWORK_ERROR, TIMEOUT, …, CIRCUIT_BREAKER_OPEN); null on success.</summary>
    public string? ErrorClass { get; set; }

    public int Attempts { get; set; }

    public int DurationMs { get; set; }

    public bool ServedFromCache { get; set; }
}
