using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>
/// Counts in Redis when it is configured and answering, so that all instances share one budget; otherwise (not configured,
/// failing, slow, or the circuit breaker open) counts in this process, so that the API keeps serving. Logs a warning when it
/// falls back and an information line when Redis is back: once per change, not per request.
/// </summary>
public sealed class DistributedRateLimiter
{
    private readonly RedisConnection _connection;
    private readonly RedisRateLimiter _redis;
    private readonly InProcessRateLimiter _local;
    private readonly TimeProvider _clock;
    private readonly ILogger<DistributedRateLimiter> _logger;
    private readonly ResiliencePipeline _pipeline;
    private int _degraded;

    public DistributedRateLimiter(
        RedisConnection connection, RedisRateLimiter redis, InProcessRateLimiter local, IOptions<RedisOptions> options, TimeProvider clock, ILogger<DistributedRateLimiter> logger)
    {
        _connection = connection;
        _redis = redis;
        _local = local;
        _clock = clock;
        _logger = logger;
        var settings = options.Value;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = settings.BreakerFailureRatio,
                MinimumThroughput = settings.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(settings.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(settings.BreakerBreakSeconds),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                OnOpened = args =>
                {
                    if (Interlocked.Exchange(ref _degraded, 1) == 0)
                    {
                        _logger.LogWarning(
                            "Redis is unavailable for rate limiting ({Reason}); this instance counts in process until it answers again",
                            args.Outcome.Exception?.Message ?? "failing");
                    }

                    return default;
                },
                OnClosed = _ =>
                {
                    if (Interlocked.Exchange(ref _degraded, 0) == 1)
                    {
                        _logger.LogInformation("Redis answers again; rate limits are shared across instances again");
                    }

                    return default;
                },
            })
            .AddTimeout(TimeSpan.FromMilliseconds(settings.OperationTimeoutMilliseconds))
            .Build();
    }

    /// <summary>True while requests are counted in process because Redis failed.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    public async ValueTask<RateLimitDecision> AcquireAsync(string bucketKey, RateLimitTierOptions tier, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        if (!_connection.IsConfigured)
        {
            return _local.Acquire(bucketKey, tier, now);
        }

        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, token) => await state.Redis.AcquireAsync(state.Key, state.Tier, state.Now, token),
                (Redis: _redis, Key: bucketKey, Tier: tier, Now: now),
                ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Fail open: the breaker logs the change of state; single failures are only worth a debug line.
            _logger.LogDebug(e, "Rate limiting in process for {BucketKey}: {Reason}", bucketKey, e.GetType().Name);
            return _local.Acquire(bucketKey, tier, now);
        }
    }
}
