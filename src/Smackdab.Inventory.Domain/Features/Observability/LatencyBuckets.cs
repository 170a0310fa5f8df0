namespace Smackdab.Inventory.Domain.Features.Observability;

/// <summary>
/// Fixed latency buckets for the per-minute rollups. Percentiles over them are estimates: linear within the bucket that
/// holds the rank, the largest observed duration for the unbounded last bucket.
/// </summary>
public static class LatencyBuckets
{
    /// <summary>Upper bounds in milliseconds; one more bucket above the last bound.</summary>
    public static readonly IReadOnlyList<double> UpperBoundsMs = [5, 10, 25, 50, 100, 150, 250, 500, 1000, 2500, 5000, 10000];

    public static int Count => UpperBoundsMs.Count + 1;

    public static int IndexOf(double durationMs)
    {
        for (var i = 0; i < UpperBoundsMs.Count; i++)
        {
            if (durationMs <= UpperBoundsMs[i])
            {
                return i;
            }
        }

        return UpperBoundsMs.Count;
    }

    /// <summary>The <paramref name="quantile"/> (0..1) of the durations counted in <paramref name="counts"/>; null when empty.</summary>
    public static double? Percentile(IReadOnlyList<long> counts, double quantile, double maxMs)
    {
        var total = counts.Sum();
        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        long seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            if (seen + counts[i] >= rank)
            {
                var lower = i == 0 ? 0 : UpperBoundsMs[i - 1];
                var upper = i < UpperBoundsMs.Count ? Math.Min(UpperBoundsMs[i], Math.Max(maxMs, lower)) : Math.Max(maxMs, lower);
                var within = (rank - seen) / counts[i];
                return Math.Round(lower + ((upper - lower) * within), 1);
            }

            seen += counts[i];
        }

        return Math.Round(maxMs, 1);
    }
}
