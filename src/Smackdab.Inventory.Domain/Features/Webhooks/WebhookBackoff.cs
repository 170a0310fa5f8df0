namespace Smackdab.Inventory.Domain.Features.Webhooks;

/// <summary>
/// The wait before the next attempt of a delivery: exponential (base·2ⁿ⁻¹), linear (base·n) or fixed (base), capped, with ±20%
/// jitter so that deliveries that failed together do not retry together. With that jitter an exponential schedule still grows
/// strictly (the next delay is at least 1.6/1.2 of the previous one).
/// </summary>
public sealed class WebhookBackoff(Random random)
{
    private const double Jitter = 0.2;

    /// <summary>The wait after <paramref name="failedAttempts"/> failed attempts of this round (1 after the first failure).</summary>
    public TimeSpan Delay(string strategy, int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var n = Math.Max(1, failedAttempts);
        var seconds = strategy switch
        {
            BackoffStrategies.Linear => baseDelay.TotalSeconds * n,
            BackoffStrategies.Fixed => baseDelay.TotalSeconds,
            _ => baseDelay.TotalSeconds * Math.Pow(2, Math.Min(n - 1, 30)),
        };
        seconds = Math.Min(seconds, maxDelay.TotalSeconds);
        double factor;
        lock (random)
        {
            factor = 1 - Jitter + (random.NextDouble() * 2 * Jitter);
        }

        return TimeSpan.FromSeconds(seconds * factor);
    }
}
