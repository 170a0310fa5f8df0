using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Smackdab.Inventory.Api.RateLimiting;

/// <summary>The process's one Redis connection, made on first use. Commands fail fast while it is down (no backlog).</summary>
public sealed class RedisConnection(IOptions<RedisOptions> options) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() => ConnectAsync(options.Value));

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Configuration);

    public Task<ConnectionMultiplexer> GetAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync();
        }
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(RedisOptions settings)
    {
        var configuration = ConfigurationOptions.Parse(settings.Configuration!);
        // Start even when Redis is down, reconnect in the background, and fail commands at once instead of queueing them.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = settings.ConnectTimeoutMilliseconds;
        configuration.SyncTimeout = settings.OperationTimeoutMilliseconds;
        configuration.AsyncTimeout = settings.OperationTimeoutMilliseconds;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy = new LinearRetry(settings.ConnectTimeoutMilliseconds);
        configuration.ClientName ??= "smackdab-inventory-api";
        return ConnectionMultiplexer.ConnectAsync(configuration);
    }
}

/// <summary>The rate-limit rule of <see cref="RateLimitAlgorithm"/> as one atomic Lua script, so that every instance shares one budget.</summary>
public sealed class RedisRateLimiter(RedisConnection connection)
{
    // KEYS[1] = bucket; ARGV = now (unix ms), requests per window, burst capacity, window (ms).
    // Hash fields: t = tokens, u = last refill (ms), w = window start (ms), c = count in the window.
    private const string Script =
        """
        local now = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local burst = tonumber(ARGV[3])
        local window = tonumber(ARGV[4])
        local rate = limit / window
        local s = redis.call('HMGET', KEYS[1], 't', 'u', 'w', 'c')
        local tokens = tonumber(s[1])
        local updated = tonumber(s[2])
        local wstart = tonumber(s[3])
        local count = tonumber(s[4])
        if tokens == nil or updated == nil or wstart == nil or count == nil then
          tokens = burst; updated = now; wstart = -1; count = 0
        end
        if now > updated then
          tokens = math.min(burst, tokens + (now - updated) * rate)
          updated = now
        end
        local current = now - (now % window)
        if wstart ~= current then
          wstart = current; count = 0
        end
        local allowed = 0
        if tokens >= 1 and count < limit then
          tokens = tokens - 1; count = count + 1; allowed = 1
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(updated), 'w', tostring(wstart), 'c', tostring(count))
        redis.call('PEXPIRE', KEYS[1], window * 2)
        local remaining = math.max(0, math.min(limit - count, math.floor(tokens)))
        local retry = 0
        if allowed == 0 then
          local untilWindow = 0
          if count >= limit then untilWindow = wstart + window - now end
          local untilToken = 0
          if tokens < 1 then untilToken = math.ceil((1 - tokens) / rate) end
          retry = math.max(untilWindow, untilToken)
        end
        return {allowed, remaining, retry, wstart + window}
        """;

    public async Task<RateLimitDecision> AcquireAsync(string bucketKey, RateLimitTierOptions tier, DateTimeOffset now, CancellationToken ct)
    {
        var multiplexer = await connection.GetAsync().WaitAsync(ct);
        var result = await multiplexer.GetDatabase().ScriptEvaluateAsync(
            Script,
            [new RedisKey(bucketKey)],
            [now.ToUnixTimeMilliseconds(), tier.RequestsPerMinute, tier.BurstCapacity, RateLimitAlgorithm.WindowMilliseconds]).WaitAsync(ct);
        var values = (RedisResult[])result!;
        var allowed = (long)values[0] == 1;
        var retryMs = (long)values[2];
        return new RateLimitDecision(
            allowed,
            tier.RequestsPerMinute,
            (int)(long)values[1],
            (long)values[3] / 1000,
            allowed ? 0 : (int)Math.Max(1, Math.Ceiling(retryMs / 1000.0)));
    }
}
