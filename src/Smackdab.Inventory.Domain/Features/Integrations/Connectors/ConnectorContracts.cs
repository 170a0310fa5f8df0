using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>One call to an external system: a path under the integration's base URL and an optional JSON body.</summary>
public sealed record ConnectorRequest(HttpMethod Method, string Path, string? JsonBody = null)
{
    /// <summary>Reads may be answered from the last good response when the external system fails.</summary>
    public bool IsRead => Method == HttpMethod.Get;

    public string CacheKey => $"{Method.Method} {Path}";

    /// <summary>Sent as Idempotency-Key, so that the external system can drop a push it already has.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>False for calls that must reach the system (health checks): no fallback to the cached response.</summary>
    public bool AllowStale { get; init; } = true;
}

/// <summary>The answer of an external system, or of the cache when <see cref="Stale"/> is true.</summary>
public sealed record ConnectorResponse
{
    public int StatusCode { get; init; }

    public string Body { get; init; } = "";

    public string? ContentType { get; init; }

    public int Attempts { get; init; }

    public int DurationMs { get; init; }

    /// <summary>True when this is the last good response, served because the external system failed.</summary>
    public bool Stale { get; init; }

    public DateTime? CachedAt { get; init; }

    /// <summary>Why the live call failed when <see cref="Stale"/> is true.</summary>
    public string? FallbackReason { get; init; }
}

/// <summary>An external system's call failed after the retries its policy allows (502 INTEGRATION_ERROR).</summary>
public sealed class IntegrationCallException(string integrationId, string errorClass, string message, int? statusCode, int attempts, DateTime? retryAfter = null)
    : DomainException(ErrorCodes.IntegrationError, message, new Dictionary<string, object?>
    {
        ["integration_id"] = integrationId,
        ["error_class"] = errorClass,
        ["status_code"] = statusCode,
        ["attempts"] = attempts,
        ["retry_after"] = retryAfter,
    })
{
    public string ErrorClass { get; } = errorClass;

    public int? StatusCode { get; } = statusCode;
}

/// <summary>The integration's breaker refuses calls: the spec's CIRCUIT_BREAKER_OPEN (503 with Retry-After).</summary>
public sealed class CircuitBreakerOpenException(string integrationId, string circuitState, int failureCount, DateTime? lastFailureAt, DateTime retryAfter, DateTime now)
    : DomainException(ErrorCodes.CircuitBreakerOpen, "Service temporarily unavailable", new Dictionary<string, object?>
    {
        ["circuit_state"] = circuitState,
        ["failure_count"] = failureCount,
        ["last_failure_at"] = lastFailureAt,
        ["retry_after"] = retryAfter,
        ["integration_id"] = integrationId,
    })
{
    public DateTime RetryAfter { get; } = retryAfter;

    /// <summary>Seconds until <see cref="RetryAfter"/> (at least 1), for the Retry-After header.</summary>
    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling((retryAfter - now).TotalSeconds));
}
