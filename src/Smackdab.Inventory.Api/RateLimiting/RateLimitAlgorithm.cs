namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>The outcome of one request against its budget, as the headers report it.</summary>
public readonly record struct RateLimitDecision(bool Allowed, int Limit, int Remaining, long ResetUnixSeconds, int RetryAfterSeconds);

/// <summary>
/// The limiter's rule, shared by the in-process limiter and (as Lua) by Redis: a request is allowed when the token bucket
/// (BurstCapacity tokens, refilled at RequestsPerMinute per minute) has a token AND the fixed one-minute window (aligned to the
/// minute) has counted fewer than RequestsPerMinute. So at most RequestsPerMinute pass per window, and at most BurstCapacity at once.
/// </summary>
public static class RateLimitAlgorithm
{
    public const long WindowMilliseconds = 60_000;

    public sealed class State
    {
        public double Tokens { get; set; }

        public long UpdatedAtMs { get; set; }

        public long WindowStartMs { get; set; }

        public int Count { get; set; }
    }

    public static RateLimitDecision Take(State? state, long nowMs, RateLimitTierOptions tier, out State next)
    {
        var limit = tier.RequestsPerMinute;
        var burst = tier.BurstCapacity;
        var ratePerMs = limit / (double)WindowMilliseconds;
        next = state ?? new State { Tokens = burst, UpdatedAtMs = nowMs, WindowStartMs = -1 };
        if (nowMs > next.UpdatedAtMs)
        {
            // A clock behind the last writer's (another instance) refills nothing rather than going negative.
            next.Tokens = Math.Min(burst, next.Tokens + ((nowMs - next.UpdatedAtMs) * ratePerMs));
            next.UpdatedAtMs = nowMs;
        }

        var windowStart = nowMs - (nowMs % WindowMilliseconds);
        if (next.WindowStartMs != windowStart)
        {
            next.WindowStartMs = windowStart;
            next.Count = 0;
        }

        var allowed = next.Tokens >= 1 && next.Count < limit;
        if (allowed)
        {
            next.Tokens -= 1;
            next.Count += 1;
        }

        var remaining = Math.Max(0, Math.Min(limit - next.Count, (int)Math.Floor(next.Tokens)));
        var windowEnd = windowStart + WindowMilliseconds;
        long retryMs = 0;
        if (!allowed)
        {
            var untilWindow = next.Count >= limit ? windowEnd - nowMs : 0;
            var untilToken = next.Tokens < 1 ? (long)Math.Ceiling((1 - next.Tokens) / ratePerMs) : 0;
            retryMs = Math.Max(untilWindow, untilToken);
        }

        return new RateLimitDecision(allowed, limit, remaining, windowEnd / 1000, allowed ? 0 : (int)Math.Max(1, Math.Ceiling(retryMs / 1000.0)));
    }
}
