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
/// Counts every /v1 request against the budget of its organization (whatever key or token it uses; the platform key its own;
/// the client IP when unauthenticated) in the tier of its organization, or the bulk tier on batch/import/export routes; and
/// every request to an endpoint marked [ClientAddressRateLimit] (the OAuth endpoints) against its client IP in the OAuth tier. Every response
/// carries the X-Rate-Limit-* and X-RateLimit-* headers; a request over budget gets 429 RATE_LIMIT_EXCEEDED with Retry-After.
/// Runs right after authentication, so that refused credentials are limited too (by IP).
/// </summary>
public sealed class RateLimitMiddleware(
    RequestDelegate next, DistributedRateLimiter limiter, OrganizationTierCache tiers, IOptions<RateLimitOptions> options, ErrorWriter errors)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var settings = options.Value;
        var perAddress = context.GetEndpoint()?.Metadata.GetMetadata<ClientAddressRateLimitAttribute>() is not null;
        if (!settings.Enabled || (!perAddress && !context.Request.Path.StartsWithSegments("/v1")))
        {
            await next(context);
            return;
        }

        string credential;
        string tierName;
        if (perAddress)
        {
            // The OAuth endpoints: the caller is not known until the endpoint has checked it (and signing a token costs an
            // RSA signature), so the budget is the client address's.
            (credential, tierName) = ("ip:" + ClientAddress(context), settings.OAuthTier);
        }
        else
        {
            (credential, var organizationId) = Identify(context);
            tierName = BulkEndpoints.IsBulk(context) ? settings.BulkTier
                : organizationId is null ? RateLimitOptions.DefaultTier
                : await tiers.GetAsync(organizationId, context.RequestServices, context.RequestAborted);
        }

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

    /// <summary>
    /// Whose budget a request spends: its organization's (one budget however many keys or tokens the organization makes),
    /// else its credential's (the platform key), else its client address's.
    /// </summary>
    public static (string Credential, string? OrganizationId) Identify(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            if (user.OrganizationId() is { Length: > 0 } organizationId)
            {
                return ("org:" + organizationId, organizationId);
            }

            var id = user.FindFirstValue(CallerClaims.KeyId)
                ?? user.FindFirstValue("sub")
                ?? user.FindFirstValue(ClaimTypes.NameIdentifier)
                ?? (user.IsPlatform() ? "platform" : null);
            if (id is not null)
            {
                return ("cred:" + id, user.OrganizationId());
            }
        }

        return ("ip:" + ClientAddress(context), null);
    }

    /// <summary>The client's address; behind a known proxy, the one it forwarded (ForwardedHeaders:KnownProxies).</summary>
    private static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
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
