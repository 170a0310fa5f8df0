using IntegrationEntity = Smackdab.Inventory.Domain.Features.Integrations.Integration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Smackdab.Inventory.Domain.Data;
using Smackdab.Inventory.Domain.Features.Integrations;
using Smackdab.Inventory.Domain.Features.Integrations.Connectors;
using Smackdab.Inventory.Domain.Features.Outbound;
using Smackdab.Inventory.Tests.Support.Servers;

namespace Smackdab.Inventory.Tests.Integration.Integrations;

/// <summary>
/// An API host that may target loopback (Webhooks:AllowPrivateTargets), a fault server on loopback, and connector
/// "instances": service providers over the same database whose clock is a <see cref="SignallingClock"/>.
/// </summary>
public class ConnectorFixture : IAsyncLifetime
{
    public const int TimeoutMs = 7777;

    private readonly List<ServiceProvider> _instances = [];

    public SignallingClock Clock { get; } = new();

    public ApiFactory Api { get; private set; } = null!;

    public Tenant Tenant { get; private set; } = null!;

    public FaultServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiFactory.StartAsync(Settings);
        Tenant = await Tenant.CreateAsync(Api);
        Server = await FaultServer.StartAsync(Clock);
    }

    /// <summary>The API host's configuration.</summary>
    protected virtual Dictionary<string, string?> Settings => new() { ["Webhooks:AllowPrivateTargets"] = "true" };

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await Server.DisposeAsync();
        await Api.DisposeAsync();
    }

    /// <summary>Another process's worth of connector services over the shared database.</summary>
    public ServiceProvider NewInstance(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddDbContext<InventoryDbContext>(o => o.UseInventoryPostgres(Api.ConnectionString));
        services.Configure<IntegrationOptions>(_ => { });
        services.Configure<OutboundOptions>(o => o.AllowPrivateTargets = true);
        services.AddIntegrationConnectors();
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return provider;
    }

    /// <summary>Registers an integration over HTTP pointing at the fault server under <paramref name="prefix"/> and loads it.</summary>
    public async Task<IntegrationEntity> CreateAsync(string prefix, object? retryPolicy = null, object? circuitBreaker = null, object? authentication = null)
    {
        using var client = Tenant.Client(Api);
        using var response = await client.PostAsJsonAsync("/v1/integrations", new
        {
            name = "Fault " + Guid.NewGuid().ToString("N"),
            type = "accounting",
            base_url = Server.BaseUrl + prefix,
            timeout_ms = TimeoutMs,
            retry_policy = retryPolicy,
            circuit_breaker = circuitBreaker,
            authentication,
        });
        var id = (await Envelopes.SuccessAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return await LoadAsync(id);
    }

    public async Task<IntegrationEntity> LoadAsync(string id)
    {
        await using var scope = NewInstance().CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InventoryDbContext>();
        return await db.Integrations.IgnoreQueryFilters().AsNoTracking().SingleAsync(i => i.Id == id);
    }

    /// <summary>
    /// Runs a call and, each time a retry delay starts, moves the clock by exactly that delay: returns the delays waited.
    /// Timers of <see cref="TimeoutMs"/> are the per-attempt timeouts and are left alone unless <paramref name="fireTimeouts"/>.
    /// </summary>
    public async Task<(Task<T> Call, List<TimeSpan> Delays)> DriveAsync<T>(Func<Task<T>> start, int delays, int fireTimeouts = 0)
    {
        Clock.ForgetTimers();
        Server.ForgetArrivals();
        var call = start();
        if (fireTimeouts > 0)
        {
            await Server.NextArrivalAsync();
        }

        var waited = new List<TimeSpan>();
        var timeoutsLeft = fireTimeouts;
        while (waited.Count < delays || timeoutsLeft > 0)
        {
            var due = await Clock.NextTimerAsync(d => timeoutsLeft > 0 || d != TimeSpan.FromMilliseconds(TimeoutMs));
            if (due == TimeSpan.FromMilliseconds(TimeoutMs) && timeoutsLeft > 0)
            {
                timeoutsLeft--;
            }
            else
            {
                waited.Add(due);
            }

            Clock.Advance(due);
        }

        await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.True(call.IsCompleted, "The call did not finish after the expected delays");
        return (call, waited);
    }

    public static string Prefix() => "/" + Guid.NewGuid().ToString("N")[..12];
}
