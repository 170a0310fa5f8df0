namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>
/// Marks endpoints outside /v1 that are rate limited per client address in RateLimiting:OAuthTier (the OAuth endpoints,
/// which authenticate their callers themselves).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class ClientAddressRateLimitAttribute : Attribute;
