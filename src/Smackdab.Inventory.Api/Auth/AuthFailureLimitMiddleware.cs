using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Features.ApiKeys;

namespace Smackdab.Inventory.Api.Auth;

/// <summary>
/// Refuses requests carrying a credential (X-API-Key or a bearer token) from an IP or with a key prefix that failed
/// authentication too often (429 RATE_LIMIT_EXCEEDED with Retry-After), and counts every 401 as a failure. Runs before
/// authentication. The OAuth endpoints count their client authentication failures themselves.
/// </summary>
public sealed class AuthFailureLimitMiddleware(RequestDelegate next, AuthFailureLimiter limiter, ErrorWriter errors, IOptions<AuthFailureLimitOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var apiKey = context.Request.Headers[ApiKeyAuthenticationHandler.Header].ToString();
        var hasBearer = context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if ((apiKey.Length == 0 && !hasBearer) || context.Request.Path.StartsWithSegments("/oauth"))
        {
            await next(context);
            return;
        }

        // Bearer tokens all begin alike, so they are limited per IP only; API keys also per prefix (sk_live_ + 4 characters).
        var ip = AuthFailureLimiter.ClientIp(context);
        var prefix = apiKey.Length > 0 ? ApiKeySecrets.DisplayPrefix(apiKey) : null;
        if (limiter.RetryAfter(ip, prefix) is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await errors.WriteAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimitExceeded,
                "Too many failed authentication attempts; retry later",
                new Dictionary<string, object?> { ["limit"] = options.Value.PermitLimit, ["retry_after"] = seconds, ["reason"] = "failed_authentication" });
            return;
        }

        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            limiter.RecordFailure(ip, prefix);
        }
    }
}
