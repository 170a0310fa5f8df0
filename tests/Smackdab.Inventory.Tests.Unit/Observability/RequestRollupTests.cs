using Smackdab.Inventory.Domain.Features.Observability;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Observability;

public sealed class RequestRollupTests
{
    private static readonly DateTime Minute = new(2025, 1, 28, 7, 55, 0, DateTimeKind.Utc);

    [Fact]
    public void Records_with_the_same_key_become_one_row_with_summed_counts_and_buckets()
    {
        var rows = RequestRollupStore.Aggregate(
        [
            new RequestRecord("org_b", Minute, "v1/products", "GET", 200, "", 3),
            new RequestRecord("org_a", Minute, "v1/products", "GET", 200, "", 40),
            new RequestRecord("org_b", Minute, "v1/products", "GET", 200, "", 120),
            new RequestRecord("org_b", Minute, "v1/products", "GET", 404, "NOT_FOUND", 2),
        ]);

        Assert.Equal(["org_a", "org_b", "org_b"], rows.Select(r => r.OrganizationId));
        var merged = rows.Single(r => r.OrganizationId == "org_b" && r.StatusCode == 200);
        Assert.Equal(2, merged.RequestCount);
        Assert.Equal(123, merged.DurationMsSum);
        Assert.Equal(120, merged.DurationMsMax);
        Assert.Equal(1, merged.LatencyBuckets[LatencyBuckets.IndexOf(3)]);
        Assert.Equal(1, merged.LatencyBuckets[LatencyBuckets.IndexOf(120)]);
        Assert.Equal(2, merged.LatencyBuckets.Sum());
    }

    [Fact]
    public void Bucket_index_includes_the_upper_bound_and_the_last_bucket_is_unbounded()
    {
        Assert.Equal(0, LatencyBuckets.IndexOf(0));
        Assert.Equal(0, LatencyBuckets.IndexOf(5));
        Assert.Equal(1, LatencyBuckets.IndexOf(5.01));
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(60_000));
    }

    [Fact]
    public void Percentiles_interpolate_within_the_bucket_that_holds_the_rank()
    {
        var counts = new long[LatencyBuckets.Count];
        counts[LatencyBuckets.IndexOf(8)] = 90; // (5, 10]
        counts[LatencyBuckets.IndexOf(400)] = 10; // (250, 500]

        Assert.Equal(10, LatencyBuckets.Percentile(counts, 0.90, 480));
        // Rank 95 is half-way through the (250, 500] bucket, whose top is the largest observed duration (480).
        Assert.Equal(365, LatencyBuckets.Percentile(counts, 0.95, 480));
        Assert.Equal(457, LatencyBuckets.Percentile(counts, 0.99, 480));
        Assert.Null(LatencyBuckets.Percentile(new long[LatencyBuckets.Count], 0.95, 0));
    }

    [Fact]
    public void Percentile_in_the_unbounded_bucket_is_bounded_by_the_largest_duration()
    {
        var counts = new long[LatencyBuckets.Count];
        counts[^1] = 4;
        Assert.Equal(20_000, LatencyBuckets.Percentile(counts, 1.0, 20_000));
    }
}
