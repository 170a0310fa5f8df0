using Microsoft.Extensions.Caching.StackExchangeRedis;
using Smackdab.Inventory.Api.RateLimiting;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Caching;

namespace Smackdab.Inventory.Api.Caching;

public static class CacheSetup
{
    /// <summary>The read cache: HybridCache (memory, plus Redis as the second level when Redis:Configuration is set), versions, invalidation listener.</summary>
    public static IServiceCollection AddInventoryReadCache(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var settings = configuration.GetSection(CacheOptions.Section).Get<CacheOptions>() ?? new CacheOptions();
        services.AddHybridCache(options =>
        {
            options.MaximumPayloadBytes = settings.MaximumPayloadBytes;
            options.MaximumKeyLength = 4096;
        });
        if (!string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Configuration)}"]))
        {
            // The second level shares the process's one Redis connection (fail-fast, reconnecting in the background).
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>((options, redis) =>
            {
                options.InstanceName = settings.RedisKeyPrefix + "entry:";
                options.ConnectionMultiplexerFactory = async () => await redis.GetAsync();
            });
        }

        services.AddSingleton<CacheGenerations>();
        services.AddSingleton<ICommittedChangeObserver>(sp => sp.GetRequiredService<CacheGenerations>());
        services.AddSingleton<CommittedChangesInterceptor>();
        services.AddSingleton<ReadCacheStatistics>();
        services.AddScoped<ReadCache>();
        services.AddScoped<SyncPosition>();
        services.AddHostedService<CacheInvalidationListener>();
        return services;
    }
}
