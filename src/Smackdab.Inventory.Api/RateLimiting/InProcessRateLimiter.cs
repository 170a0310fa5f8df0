using System.Collections.Concurrent;

namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>The same rule as Redis, in this process only: serves a single instance, or every instance while Redis is unavailable.</summary>
public sealed class InProcessRateLimiter
{
    private const int SweepEvery = 4096;
    private static readonly long IdleMs = 2 * RateLimitAlgorithm.WindowMilliseconds;

    private readonly ConcurrentDictionary<string, Entry> _buckets = new(StringComparer.Ordinal);
    private int _calls;

    public RateLimitDecision Acquire(string bucketKey, RateLimitTierOptions tier, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var entry = _buckets.GetOrAdd(bucketKey, static _ => new Entry());
        RateLimitDecision decision;
        lock (entry)
        {
            decision = RateLimitAlgorithm.Take(entry.State, nowMs, tier, out var next);
            entry.State = next;
        }

        if (Interlocked.Increment(ref _calls) % SweepEvery == 0)
        {
            Sweep(nowMs);
        }

        return decision;
    }

    /// <summary>Forgets budgets idle long enough to be full again, so that memory follows the active credentials.</summary>
    private void Sweep(long nowMs)
    {
        foreach (var (key, entry) in _buckets)
        {
            if (entry.State is { } state && nowMs - state.UpdatedAtMs > IdleMs)
            {
                _buckets.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed class Entry
    {
        public RateLimitAlgorithm.State? State { get; set; }
    }
}
