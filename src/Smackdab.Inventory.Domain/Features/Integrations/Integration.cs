using Smackdab.Inventory.Domain.Common;

namespace Smackdab.Inventory.Domain.Features.Integrations;

/// <summary>An external system of the organization (ERP, shop, WMS, accounting) that the API calls through a connector.</summary>
public sealed class Integration : TenantEntity, ISoftDeletable
{
    public string Name { get; set; } = "";

    public string Type { get; set; } = IntegrationTypes.Custom;

    /// <summary>Free text naming the product on the other side, e.g. "quickbooks", "shopify", "sap".</summary>
    public string? Provider { get; set; }

    public string BaseUrl { get; set; } = "";

    /// <summary>Path (under <see cref="BaseUrl"/>) that the health check calls.</summary>
    public string HealthPath { get; set; } = "/health";

    public string Status { get; set; } = IntegrationStatuses.Active;

    public string AuthType { get; set; } = IntegrationAuthTypes.None;

    /// <summary>The credentials of the external system, AES-GCM encrypted (<see cref="CredentialProtector"/>); never returned.</summary>
    public byte[]? CredentialsCiphertext { get; set; }

    /// <summary>Bumped whenever the credentials change, so a token refresh can tell whether another instance refreshed first.</summary>
    public int CredentialsVersion { get; set; }

    public int TimeoutMs { get; set; } = 10_000;

    public RetryPolicy RetryPolicy { get; set; } = new();

    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();

    /// <summary>Event types of the sequence pushed to this system through its connector.</summary>
    public List<string> Events { get; set; } = [];

    /// <summary>Path (under <see cref="BaseUrl"/>) that pushed events are POSTed to.</summary>
    public string? EventsPath { get; set; }

    public DateTime? LastSuccessfulCallAt { get; set; }

    public DateTime? LastSyncAt { get; set; }

    public DateTime? DeletedAt { get; set; }
}

/// <summary>The spec's retry_policy, plus the strategy (the spec's four kinds of backoff).</summary>
public sealed class RetryPolicy
{
    public string Strategy { get; set; } = RetryStrategies.Exponential;

    public int MaxAttempts { get; set; } = 5;

    public int BaseDelayMs { get; set; } = 1000;

    public int MaxDelayMs { get; set; } = 30_000;

    public double BackoffMultiplier { get; set; } = 2.0;

    public bool Jitter { get; set; } = true;

    public List<string> RetryableErrors { get; set; } = [.. ConnectorErrorClasses.DefaultRetryable];

    public List<string> NonRetryableErrors { get; set; } = [.. ConnectorErrorClasses.DefaultNonRetryable];
}

/// <summary>The spec's circuit_breaker configuration.</summary>
public sealed class CircuitBreakerSettings
{
    public int FailureThreshold { get; set; } = 5;

    public double FailureRateThreshold { get; set; } = 0.5;

    public int TimeoutMs { get; set; } = 60_000;

    public int HalfOpenMaxCalls { get; set; } = 3;

    public int HalfOpenSuccessThreshold { get; set; } = 2;

    public int MonitoringWindowMs { get; set; } = 300_000;
}

public static class IntegrationTypes
{
    public const string Erp = "erp";
    public const string Ecommerce = "ecommerce";
    public const string Wms = "wms";
    public const string Accounting = "accounting";
    public const string Custom = "custom";

    public static readonly IReadOnlyList<string> All = [Erp, Ecommerce, Wms, Accounting, Custom];
}

public static class IntegrationStatuses
{
    public const string Active = "active";
    public const string Disabled = "disabled";

    public static readonly IReadOnlyList<string> All = [Active, Disabled];
}

public static class IntegrationAuthTypes
{
    public const string None = "none";
    public const string ApiKey = "api_key";
    public const string OAuth2 = "oauth2";

    public static readonly IReadOnlyList<string> All = [None, ApiKey, OAuth2];
}

public static class RetryStrategies
{
    public const string Exponential = "exponential";
    public const string Linear = "linear";
    public const string Fixed = "fixed";
    public const string Jittered = "jittered";

    public static readonly IReadOnlyList<string> All = [Exponential, Linear, Fixed, Jittered];

    /// <summary>The spec's base delay of each strategy, used when the policy names a strategy but no base_delay_ms.</summary>
    public static int DefaultBaseDelayMs(string strategy) => strategy switch
    {
        Linear => 2000,
        Fixed => 5000,
        Jittered => 2000,
        _ => 1000,
    };
}

/// <summary>The classes a connector failure falls into; retry_policy lists them as retryable or not.</summary>
public static class ConnectorErrorClasses
{
    public const string NetworkError = "NETWORK_ERROR";
    public const string Timeout = "TIMEOUT";
    public const string RateLimitExceeded = "RATE_LIMIT_EXCEEDED";
    public const string InternalError = "INTERNAL_ERROR";
    public const string AuthenticationFailed = "AUTHENTICATION_FAILED";
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string NotFound = "NOT_FOUND";
    public const string PermissionDenied = "PERMISSION_DENIED";
    public const string Conflict = "CONFLICT";

    public static readonly IReadOnlyList<string> All =
        [NetworkError, Timeout, RateLimitExceeded, InternalError, AuthenticationFailed, ValidationFailed, NotFound, PermissionDenied, Conflict];

    public static readonly IReadOnlyList<string> DefaultRetryable = [NetworkError, Timeout, RateLimitExceeded, InternalError];

    public static readonly IReadOnlyList<string> DefaultNonRetryable = [AuthenticationFailed, ValidationFailed, NotFound, PermissionDenied];

    /// <summary>Failures that say the other side is unwell and count against the breaker; a 404 or 400 is the caller's problem.</summary>
    public static bool CountsAgainstBreaker(string errorClass) =>
        errorClass is NetworkError or Timeout or RateLimitExceeded or InternalError or AuthenticationFailed;

    public static string ForStatus(int status) => status switch
    {
        401 => AuthenticationFailed,
        403 => PermissionDenied,
        404 => NotFound,
        409 => Conflict,
        408 => Timeout,
        429 => RateLimitExceeded,
        >= 500 => InternalError,
        _ => ValidationFailed,
    };
}
