using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Smackdab.Inventory.Api.Compression;
using Smackdab.Inventory.Api.Idempotency;
using Smackdab.Inventory.Api.RateLimiting;

namespace Smackdab.Inventory.Api.Hosting;

/// <summary>Registration of the safety rails: idempotency, rate limiting, compression, versioning. The pipeline order is in <see cref="ApiSetup"/>.</summary>
public static class ResilienceSetup
{
    public static IServiceCollection AddInventoryResilience(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdempotencyOptions>().Bind(configuration.GetSection(IdempotencyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CompressionOptions>().Bind(configuration.GetSection(CompressionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<IdempotencyCleanupService>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyCleanupService>());

        services.AddMemoryCache();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<RedisRateLimiter>();
        services.AddSingleton<InProcessRateLimiter>();
        services.AddSingleton<DistributedRateLimiter>();
        services.AddSingleton<OrganizationTierCache>();

        services.AddResponseCompression(options =>
        {
            // Bodies are envelopes that never echo a secret next to attacker-chosen text, so BREACH does not apply.
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/problem+json", "text/markdown"]);
        });
        services.Configure<BrotliCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(options => options.Level = CompressionLevel.Fastest);
        services.Replace(ServiceDescriptor.Singleton<IResponseCompressionProvider, ThresholdCompressionProvider>());
        services.AddRequestDecompression();
        return services;
    }

    /// <summary>Response compression with the size threshold; outermost, so that error envelopes are compressed too.</summary>
    public static IApplicationBuilder UseInventoryResponseCompression(this IApplicationBuilder app) =>
        app.UseResponseCompression().UseMiddleware<ResponseCompressionThresholdMiddleware>();

    /// <summary>Compressed request bodies on bulk endpoints; needs the matched endpoint, so after UseRouting.</summary>
    public static IApplicationBuilder UseInventoryRequestDecompression(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestDecompressionGate>().UseRequestDecompression();
}
