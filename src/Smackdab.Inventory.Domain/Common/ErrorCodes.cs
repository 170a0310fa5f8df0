namespace Smackdab.Inventory.Domain.Common;

/// <summary>Every error code the API can return; mirrored in shared/schemas/envelope.yaml.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string MissingHeader = "MISSING_HEADER";
    public const string InvalidHeader = "INVALID_HEADER";
    public const string AuthenticationFailed = "AUTHENTICATION_FAILED";
    public const string PermissionDenied = "PERMISSION_DENIED";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string NotAcceptable = "NOT_ACCEPTABLE";
    public const string Conflict = "CONFLICT";
    public const string InsufficientStock = "INSUFFICIENT_STOCK";
    public const string IdempotencyInProgress = "IDEMPOTENCY_IN_PROGRESS";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotencyKeyRequired = "IDEMPOTENCY_KEY_REQUIRED";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string RateLimitExceeded = "RATE_LIMIT_EXCEEDED";
    public const string InternalError = "INTERNAL_ERROR";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string BadRequest = "BAD_REQUEST";
    public const string CircuitBreakerOpen = "CIRCUIT_BREAKER_OPEN";
    public const string IntegrationError = "INTEGRATION_ERROR";
}
