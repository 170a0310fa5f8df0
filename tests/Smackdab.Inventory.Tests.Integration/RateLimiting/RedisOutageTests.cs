using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.RateLimiting;

/// <summary>Redis killed mid-run: the API keeps answering (in-process limits), says so once, and goes back to Redis when it returns.</summary>
public sealed class RedisOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string DownLine = "Redis is unavailable for rate limiting";
    private const string BackLine = "Redis answers again";

    [Fact]
    public async Task Killing_redis_leaves_the_api_answering_and_logs_once_per_change()
    {
        var redis = await RedisServer.StartDedicatedAsync();
        var clock = new ManualTimeProvider();
        var log = new CapturedLog();
        await using var api = await ApiFactory.StartAsync(
            new Dictionary<string, string?>
            {
                ["Redis:Configuration"] = redis.Configuration,
                ["Redis:BreakerBreakSeconds"] = "2",
                // A loaded machine can take longer than the 250 ms default for a healthy call;
                // the outage itself fails fast (connection refused), so generous timeouts cost nothing there.
                ["Redis:OperationTimeoutMilliseconds"] = "2000",
                ["Redis:ConnectTimeoutMilliseconds"] = "2000",
                ["RateLimiting:Tiers:default:RequestsPerMinute"] = "1000",
                ["RateLimiting:Tiers:default:BurstCapacity"] = "1000",
                ["Serilog:MinimumLevel:Default"] = "Information",
            },
            services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton<Serilog.Core.ILogEventSink>(log);
            });
        var tenant = await Tenant.CreateAsync(api);
        using var client = tenant.Client(api);
        var limiter = api.Services.GetRequiredService<DistributedRateLimiter>();

        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var before = await client.GetAsync("/v1/products");
                await Envelopes.ListAsync(before);
            }

            Assert.False(limiter.IsDegraded);

            await redis.StopAsync();
            var outage = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 25; i++)
            {
                using var during = await client.GetAsync("/v1/products");
                await Envelopes.ListAsync(during);
                RateLimitAssert.HasHeaders(during);
            }

            outage.Stop();
            output.WriteLine($"25 requests with Redis down: {outage.ElapsedMilliseconds} ms");
            Assert.True(limiter.IsDegraded);
            Assert.True(outage.Elapsed < TimeSpan.FromSeconds(10), $"25 requests during the outage took {outage.Elapsed}");
            Assert.Equal(1, log.Lines.Count(l => l.Contains(DownLine, StringComparison.Ordinal)));
            Assert.All(log.Lines.Where(l => l.Contains(DownLine, StringComparison.Ordinal)), l => Assert.StartsWith("Warning", l));

            await redis.StartAgainAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (limiter.IsDegraded && DateTime.UtcNow < deadline)
            {
                // Past the break: the breaker lets one trial call through once the client has reconnected.
                clock.Advance(TimeSpan.FromSeconds(3));
                using var probe = await client.GetAsync("/v1/products");
                await Envelopes.ListAsync(probe);
                await Task.Delay(100);
            }

            Assert.False(limiter.IsDegraded, "the limiter did not go back to Redis within 30 s");
            output.WriteLine($"back on Redis {30 - (deadline - DateTime.UtcNow).TotalSeconds:0.0} s after the restart");
            Assert.Equal(1, log.Lines.Count(l => l.Contains(BackLine, StringComparison.Ordinal)));
            Assert.Equal(1, log.Lines.Count(l => l.Contains(DownLine, StringComparison.Ordinal)));
        }
        finally
        {
            await redis.StopAsync();
        }
    }
}
