namespace Smackdab.Inventory.Domain.Features.Integrations.Connectors;

/// <summary>
/// The spec's backoff strategies; the retry number is 1 for the first retry (the second attempt).
/// exponential: min(base·multiplier^(n−1), max) + 0–1000 ms when jitter is on (1, 2, 4, 8 s with the defaults);
/// linear: min(base·n, max) (+ the same jitter when on; 2, 4, 6, 8 s with base 2 s); fixed: base every time (5 s);
/// jittered: base ± 50 % (2 s → 1–3 s).
/// </summary>
public static class RetrySchedule
{
    public const int JitterMs = 1000;

    public static TimeSpan Delay(RetryPolicy policy, int retry, Random random)
    {
        var n = Math.Max(1, retry);
        double ms = policy.Strategy switch
        {
            RetryStrategies.Linear => Math.Min((double)policy.BaseDelayMs * n, policy.MaxDelayMs) + Jitter(policy, random),
            RetryStrategies.Fixed => policy.BaseDelayMs,
            RetryStrategies.Jittered => Math.Min(policy.BaseDelayMs * (0.5 + random.NextDouble()), policy.MaxDelayMs),
            _ => Math.Min(policy.BaseDelayMs * Math.Pow(policy.BackoffMultiplier, n - 1), policy.MaxDelayMs) + Jitter(policy, random),
        };
        return TimeSpan.FromMilliseconds(Math.Round(ms));
    }

    private static double Jitter(RetryPolicy policy, Random random) => policy.Jitter ? random.NextDouble() * JitterMs : 0;
}
