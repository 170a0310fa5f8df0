using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Errors;
using Smackdab.Inventory.Api.Security;
using Smackdab.Inventory.Domain.Common;
using Smackdab.Inventory.Domain.Data;

namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>
/// Counts every /v1 request against the budget of its credential (API key id, or a token's key_id/sub claim; the client IP
/// when unauthenticated) in the tier of its organization, or the bulk tier on batch/import/export routes. Every response
/// carries the X-Rate-Limit-* and X-RateLimit-* headers; a request over budget gets 429 RATE_LIMIT_EXCEEDED with Retry-After.
/// Runs right after authentication, so that refused credentials are limited too (by IP).
/// </summary>
public sealed class RateLimitMiddleware(
    RequestDelegate next, DistributedRateLimiter limiter, OrganizationTierCache tiers, IOptions<RateLimitOptions> options, ErrorWriter errors)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value;
        if (!settings.Enabled || !context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }

        var (credential, organizationId) = Identify(context);
        var tierName = BulkEndpoints.IsBulk(context) ? settings.BulkTier
            : organizationId is null ? RateLimitOptions.DefaultTier
            : await tiers.GetAsync(organizationId, context.RequestServices, context.RequestAborted);
        var decision = await limiter.AcquireAsync($"{settings.KeyPrefix}{tierName}:{credential}", settings.TierOrDefault(tierName), context.RequestAborted);

        // On starting, so that the headers survive the exception handler clearing the response.
        context.Response.OnStarting(() =>
        {
            RateLimitHeaders.Apply(context.Response.Headers, decision);
            return Task.CompletedTask;
        });

        if (!decision.Allowed)
        {
            await errors.WriteAsync(context, StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimitExceeded, "Request rate limit exceeded",
                new Dictionary<string, object?>
                {
                    ["limit"] = decision.Limit,
                    ["window"] = "1m",
                    ["retry_after"] = decision.RetryAfterSeconds,
                });
            return;
        }

        await next(context);
    }

    public static (string Credential, string? OrganizationId) Identify(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var id = user.FindFirstValue(CallerClaims.KeyId)
                ?? user.FindFirstValue("sub")
                ?? user.FindFirstValue(ClaimTypes.NameIdentifier)
                ?? (user.IsPlatform() ? "platform" : null);
            if (id is not null)
            {
                return ("cred:" + id, user.OrganizationId());
            }
        }

        return ("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), null);
    }
}

public static class RateLimitHeaders
{
    public static void Apply(IHeaderDictionary headers, RateLimitDecision decision)
    {
        var limit = decision.Limit.ToString(CultureInfo.InvariantCulture);
        var remaining = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        var reset = decision.ResetUnixSeconds.ToString(CultureInfo.InvariantCulture);
        headers["X-Rate-Limit-Limit"] = limit;
        headers["X-Rate-Limit-Remaining"] = remaining;
        headers["X-Rate-Limit-Reset"] = reset;
        headers["X-RateLimit-Limit"] = limit;
        headers["X-RateLimit-Remaining"] = remaining;
        headers["X-RateLimit-Reset"] = reset;
        if (!decision.Allowed)
        {
            var retryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            headers.RetryAfter = retryAfter;
            headers["X-RateLimit-Retry-After"] = retryAfter;
        }
    }
}

/// <summary>Organizations' rate-limit tiers, cached per instance for RateLimiting:TierCacheSeconds.</summary>
public sealed class OrganizationTierCache(IMemoryCache cache, IOptions<RateLimitOptions> options)
{
    public async ValueTask<string> GetAsync(string organizationId, IServiceProvider requestServices, CancellationToken ct)
    {
        var key = CacheKey(organizationId);
        if (cache.TryGetValue(key, out string? tier) && tier is not null)
        {
            return tier;
        }

        var db = requestServices.GetRequiredService<InventoryDbContext>();
        tier = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.RateLimitTier).FirstOrDefaultAsync(ct)
            ?? RateLimitOptions.DefaultTier;
        var seconds = options.Value.TierCacheSeconds;
        if (seconds > 0)
        {
            cache.Set(key, tier, TimeSpan.FromSeconds(seconds));
        }

        return tier;
    }

    public void Invalidate(string organizationId) => cache.Remove(CacheKey(organizationId));

    private static string CacheKey(string organizationId) => "ratelimit-tier:" + organizationId;
}
