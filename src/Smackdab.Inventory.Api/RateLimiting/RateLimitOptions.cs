using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>Section "RateLimiting": the spec's tiers, each a budget per credential per minute with a burst capacity.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";
    public const string DefaultTier = Domain.Features.Organizations.OrganizationDefaults.RateLimitTier;

    public bool Enabled { get; set; } = true;

    /// <summary>Tier name → budget. <c>default</c> must exist; organizations pick one with rate_limit_tier.</summary>
    public Dictionary<string, RateLimitTierOptions> Tiers { get; set; } = new(StringComparer.Ordinal)
    {
        [DefaultTier] = new() { RequestsPerMinute = 1000, BurstCapacity = 100 },
        ["premium"] = new() { RequestsPerMinute = 5000, BurstCapacity = 500 },
        ["bulk_operations"] = new() { RequestsPerMinute = 100, BurstCapacity = 10 },
        ["oauth"] = new() { RequestsPerMinute = 120, BurstCapacity = 20 },
    };

    /// <summary>The tier of the OAuth endpoints (token, introspect, revoke, authorize), counted per client address.</summary>
    [Required]
    public string OAuthTier { get; set; } = "oauth";

    /// <summary>The tier of batch, import and export endpoints, whatever the organization's tier.</summary>
    [Required]
    public string BulkTier { get; set; } = "bulk_operations";

    /// <summary>Prefix of the Redis keys, so that several deployments can share one Redis.</summary>
    [Required]
    public string KeyPrefix { get; set; } = "smackdab:ratelimit:";

    /// <summary>How long an instance caches an organization's tier (a change made on another instance takes up to this long).</summary>
    [Range(0, 3600)]
    public int TierCacheSeconds { get; set; } = 30;

    public RateLimitTierOptions TierOrDefault(string name) =>
        Tiers.TryGetValue(name, out var tier) ? tier : Tiers[DefaultTier];
}

public sealed class RateLimitTierOptions
{
    /// <summary>Requests allowed per one-minute window (fixed windows aligned to the minute).</summary>
    [Range(1, 10_000_000)]
    public int RequestsPerMinute { get; set; }

    /// <summary>Requests allowed at once: a token bucket of this size refilled at RequestsPerMinute/60 per second.</summary>
    [Range(1, 10_000_000)]
    public int BurstCapacity { get; set; }
}

/// <summary>Section "Redis": where the shared rate-limit counters live. Unset: an in-process limiter serves this instance alone.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis configuration string, e.g. <c>redis:6379</c>.</summary>
    public string? Configuration { get; set; }

    [Range(50, 60_000)]
    public int ConnectTimeoutMilliseconds { get; set; } = 1000;

    /// <summary>Timeout of one rate-limit call; slower counts as a failure and the request is served by the in-process limiter.</summary>
    [Range(10, 60_000)]
    public int OperationTimeoutMilliseconds { get; set; } = 250;

    /// <summary>Circuit breaker: the failure ratio over BreakerSamplingSeconds (with at least BreakerMinimumThroughput calls) that opens it.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 100_000)]
    public int BreakerMinimumThroughput { get; set; } = 4;

    [Range(1, 3600)]
    public int BreakerSamplingSeconds { get; set; } = 10;

    /// <summary>How long the breaker stays open (Redis not tried) before one trial call.</summary>
    [Range(1, 3600)]
    public int BreakerBreakSeconds { get; set; } = 5;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        if (!options.Tiers.ContainsKey(RateLimitOptions.DefaultTier))
        {
            failures.Add($"RateLimiting:Tiers must define the '{RateLimitOptions.DefaultTier}' tier.");
        }

        if (!options.Tiers.ContainsKey(options.BulkTier))
        {
            failures.Add($"RateLimiting:BulkTier '{options.BulkTier}' is not defined in RateLimiting:Tiers.");
        }

        if (!options.Tiers.ContainsKey(options.OAuthTier))
        {
            failures.Add($"RateLimiting:OAuthTier '{options.OAuthTier}' is not defined in RateLimiting:Tiers.");
        }

        foreach (var (tierName, tier) in options.Tiers)
        {
            if (tier.RequestsPerMinute < 1 || tier.BurstCapacity < 1)
            {
                failures.Add($"RateLimiting:Tiers:{tierName} needs RequestsPerMinute and BurstCapacity of at least 1.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
