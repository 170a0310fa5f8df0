using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Smackdab.Inventory.Domain.Features.Outbound;

public static class OutboundHttpClients
{
    /// <summary>
    /// Registers a named <see cref="HttpClient"/> for an outbound feature whose primary handler is the guard's
    /// (<see cref="OutboundUrlGuard.CreateHandler"/>): no proxy, no redirects, and every connection checked against
    /// <see cref="OutboundOptions"/> at connect time. The feature adds its own Polly pipeline and timeouts around the calls.
    /// </summary>
    public static IHttpClientBuilder AddOutboundHttpClient(this IServiceCollection services, string name, Func<IServiceProvider, TimeSpan> connectTimeout)
    {
        services.TryAddSingleton<IOutboundDns, SystemOutboundDns>();
        services.TryAddSingleton<OutboundUrlGuard>();
        return services.AddHttpClient(name)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundUrlGuard>().CreateHandler(
                sp.GetRequiredService<IOptions<OutboundOptions>>().Value.Policy, connectTimeout(sp)))
            // The handler's PooledConnectionLifetime already bounds connections (and so DNS answers); rotating handlers adds nothing.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The features log each call's outcome themselves, with their own ids; the factory's per-request lines would double them.
            .RemoveAllLoggers();
    }
}
