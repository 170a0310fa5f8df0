using Microsoft.AspNetCore.Http;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Api.Versioning;
using Xunit;

namespace Smackdab.Inventory.Tests.Unit.Resilience;

public sealed class RateLimitAlgorithmTests
{
    private static readonly RateLimitTierOptions Default = new() { RequestsPerMinute = 1000, BurstCapacity = 100 };

    // 10:00:00.000 UTC, the start of a window.
    private const long WindowStart = 1_767_607_200_000;

    [Fact]
    public void Spec_default_tier_allows_a_burst_of_100_then_refills_at_1000_per_minute()
    {
        var limiter = new InProcessRateLimiter();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(WindowStart);
        var allowed = Enumerable.Range(0, 150).Count(_ => limiter.Acquire("k", Default, now).Allowed);
        Assert.Equal(100, allowed);

        var refused = limiter.Acquire("k", Default, now);
        Assert.False(refused.Allowed);
        Assert.Equal(1, refused.RetryAfterSeconds); // one token every 60 ms
        Assert.Equal(1000, refused.Limit);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal((WindowStart / 1000) + 60, refused.ResetUnixSeconds);

        // 6 s later: 100 tokens are back (1000/min), and the window has room for them.
        var later = now.AddSeconds(6);
        Assert.Equal(100, Enumerable.Range(0, 150).Count(_ => limiter.Acquire("k", Default, later).Allowed));
    }

    [Fact]
    public void No_more_than_requests_per_minute_pass_in_one_window_however_the_burst_refills()
    {
        var tier = new RateLimitTierOptions { RequestsPerMinute = 10, BurstCapacity = 10 };
        RateLimitAlgorithm.State? state = null;
        var passed = 0;
        for (var ms = 0L; ms < 60_000; ms += 500)
        {
            if (RateLimitAlgorithm.Take(state, WindowStart + ms, tier, out state).Allowed)
            {
                passed++;
            }
        }

        Assert.Equal(10, passed);
        var next = RateLimitAlgorithm.Take(state, WindowStart + 60_000, tier, out _);
        Assert.True(next.Allowed);
    }

    [Fact]
    public void Retry_after_is_the_wait_for_the_later_of_a_token_and_the_next_window()
    {
        var tier = new RateLimitTierOptions { RequestsPerMinute = 2, BurstCapacity = 2 };
        RateLimitAlgorithm.State? state = null;
        var at = WindowStart + 50_000;
        RateLimitAlgorithm.Take(state, at, tier, out state);
        RateLimitAlgorithm.Take(state, at, tier, out state);
        var refused = RateLimitAlgorithm.Take(state, at, tier, out state);
        Assert.False(refused.Allowed);
        Assert.Equal(30, refused.RetryAfterSeconds); // a token takes 30 s; the window ends in 10 s
    }

    [Fact]
    public void A_clock_behind_the_last_writer_does_not_refill()
    {
        var tier = new RateLimitTierOptions { RequestsPerMinute = 60, BurstCapacity = 1 };
        RateLimitAlgorithm.Take(null, WindowStart + 5_000, tier, out var state);
        Assert.False(RateLimitAlgorithm.Take(state, WindowStart + 1_000, tier, out _).Allowed);
    }

    [Fact]
    public void Bulk_is_endpoint_metadata_not_a_route_suffix()
    {
        static DefaultHttpContext At(params object[] metadata)
        {
            var context = new DefaultHttpContext();
            context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(metadata), "v1/inventory/transactions/batch"));
            return context;
        }

        Assert.True(BulkEndpoints.IsBulk(At(new BulkOperationAttribute())));
        Assert.False(BulkEndpoints.IsUpload(At(new BulkOperationAttribute())));
        Assert.True(BulkEndpoints.IsUpload(At(new BulkOperationAttribute { Upload = true })));
        Assert.False(BulkEndpoints.IsBulk(At()));
        Assert.False(BulkEndpoints.IsBulk(new DefaultHttpContext()));
    }

    [Fact]
    public void Options_need_the_default_and_bulk_tiers()
    {
        var validator = new RateLimitOptionsValidator();
        Assert.True(validator.Validate(null, new RateLimitOptions()).Succeeded);
        var missingBulk = new RateLimitOptions { BulkTier = "nope" };
        Assert.True(validator.Validate(null, missingBulk).Failed);
        var noDefault = new RateLimitOptions();
        noDefault.Tiers.Remove(RateLimitOptions.DefaultTier);
        Assert.True(validator.Validate(null, noDefault).Failed);
    }

    [Theory]
    [InlineData("application/vnd.api+json;version=1", null)]
    [InlineData("application/vnd.api+json;version=v1", null)]
    [InlineData("application/vnd.api+json;version=1.0", null)]
    [InlineData("application/vnd.api+json;version=2", "2")]
    [InlineData("application/vnd.api+json;version=2, application/json", null)]
    [InlineData("application/vnd.api+json;version=2, application/json;q=0", "2")]
    [InlineData("text/html;version=2", null)]
    [InlineData("*/*", null)]
    [InlineData("", null)]
    public void Accept_version_negotiation(string accept, string? refused) =>
        Assert.Equal(refused, ApiVersionMiddleware.Evaluate(accept.Length == 0 ? [] : [accept]));

    [Fact]
    public void Deprecation_headers_follow_rfc_9745_and_8594()
    {
        var attribute = new DeprecatedAttribute(since: "2026-11-24", sunset: "2027-06-30", link: "/docs/migration-guide.md");
        Assert.Equal("@1795478400", attribute.DeprecationHeader);
        Assert.Equal("Wed, 30 Jun 2027 00:00:00 GMT", attribute.SunsetHeader);
        Assert.StartsWith("</docs/migration-guide.md>; rel=\"deprecation\"", attribute.LinkHeader);
    }
}
